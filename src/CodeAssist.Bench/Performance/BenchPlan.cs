using System.Globalization;
using CodeAssist.Engine;

namespace CodeAssist.Bench.Performance;

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
    /// <summary>Only the in-process context builds (issue #4's figures): no generation, no server children. For working on the context engine.</summary>
    public bool ContextOnly { get; init; }

    /// <summary>The server's default prompt budget, set explicitly so both sides of the A/B use the same number.</summary>
    public const int PromptBudget = 1536;

    /// <summary>
    /// New tokens per suggestion in the A/B pairs: less than the server's default of 64, as in every earlier run, so
    /// figures stay comparable across runs.
    /// </summary>
    public const int MaxNewTokens = 32;

    /// <summary>
    /// The generation deadline on both sides of the A/B (the server gets it as <c>generationDeadlineMs</c>). Long, so
    /// that a loaded machine does not cut a generation short: a pair cut on one side only would be unequal work, and
    /// with the server's default of 3 s two cores shared by several builds cut every pair.
    /// </summary>
    public static readonly TimeSpan GenerationDeadline = TimeSpan.FromSeconds(60);

    /// <summary>The settings of every measured session, in-process and (as <see cref="InitializationOptions"/>) in the server.</summary>
    public static AssistSettings Settings { get; } = new()
    {
        MaxTokens = MaxNewTokens, ContextBudget = PromptBudget, Multiline = true, Candidates = 1, GenerationDeadline = GenerationDeadline,
    };

    /// <summary><see cref="Settings"/> as the server reads them from initializationOptions.</summary>
    public static object InitializationOptions { get; } = new
    {
        maxTokens = Settings.MaxTokens,
        multiline = Settings.Multiline,
        candidates = Settings.Candidates,
        contextBudget = Settings.ContextBudget,
        generationDeadlineMs = (int)Settings.GenerationDeadline.TotalMilliseconds,
    };

    /// <summary>New tokens for the throughput figures, where no deadline applies.</summary>
    public const int ThroughputNewTokens = 64;

    /// <summary>Milliseconds between two keystrokes of the simulated typist (about 150 words a minute).</summary>
    public const double KeystrokeIntervalMs = 80;

    /// <summary>How long the typist pauses at the start of a new line, reading the suggestion, before typing on.</summary>
    public const double LineStartPauseMs = 500;

    /// <summary>What the scripted model suggests at an empty line of a generated method body.</summary>
    public const string ScriptedSuggestion = "var total = Peer.Compute1(value, label) + Total;";

    public static BenchPlan Full { get; } = new(false, SolutionShape.Full, ContextPositions: 300, OverheadPairs: 50, WarmCompletions: 10,
        TypeThroughHits: 150, TypingKeystrokes: 400, ModelRepetitions: 10);

    public static BenchPlan QuickPlan { get; } = new(true, SolutionShape.Quick, ContextPositions: 24, OverheadPairs: 5, WarmCompletions: 2,
        TypeThroughHits: 40, TypingKeystrokes: 80, ModelRepetitions: 3);

    /// <summary>A statement typed at an empty line of a method body, with the newline and indentation that follow it.</summary>
    public static string Statement(int i) => string.Create(CultureInfo.InvariantCulture, $"var step{i} = Compute{i % 20}(value + {i}, label);\n        ");
}
