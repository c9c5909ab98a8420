using System.Globalization;

namespace CodeAssist.Server.Bench;

/// <summary>How much of everything one run measures: <c>--quick</c> keeps the whole run under two minutes on two busy cores.</summary>
internal sealed record BenchPlan(
    bool Quick,
    SolutionShape Shape,
    int ContextPositions,
    int OverheadPairs,
    int WarmCompletions,
    int TypeThroughHits,
    int TypingKeystrokes,
    int ModelRepetitions)
{
    /// <summary>The server's defaults, set explicitly so both sides of the A/B use the same numbers.</summary>
    public const int MaxNewTokens = 64, PromptBudget = 1536;

    /// <summary>Milliseconds between two keystrokes of the simulated typist (about 150 words a minute).</summary>
    public const double KeystrokeIntervalMs = 80;

    /// <summary>What the scripted model suggests at an empty line of a generated method body.</summary>
    public const string ScriptedSuggestion = "var total = Peer.Compute1(value, label) + Total;";

    public static BenchPlan Full { get; } = new(false, SolutionShape.Full, ContextPositions: 300, OverheadPairs: 40, WarmCompletions: 10,
        TypeThroughHits: 150, TypingKeystrokes: 400, ModelRepetitions: 10);

    public static BenchPlan QuickPlan { get; } = new(true, SolutionShape.Quick, ContextPositions: 30, OverheadPairs: 8, WarmCompletions: 3,
        TypeThroughHits: 40, TypingKeystrokes: 100, ModelRepetitions: 3);

    /// <summary>A statement typed at an empty line of a method body, with the newline and indentation that follow it.</summary>
    public static string Statement(int i) => string.Create(CultureInfo.InvariantCulture, $"var step{i} = Compute{i % 20}(value + {i}, label);\n        ");
}
