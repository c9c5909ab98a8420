using System.Text.Json;
using System.Text.Json.Serialization;

namespace CodeAssist.Bench.Performance;

/// <summary>Everything one `codeassist-bench bench` run measured; serialised with snake_case keys (overhead_ratio, …).</summary>
public sealed record BenchReport
{
    public required string Mode { get; init; }
    public required MachineInfo Machine { get; init; }
    public required ModelInfo Model { get; init; }

    /// <summary>Median LSP completion over stdio ÷ median raw generation of the same prompt and token count.</summary>
    /// <remarks>Property names are snake_case; dictionary keys (thread, source and stop reason names) stay as they are.</remarks>
    public double OverheadRatio { get; init; }

    /// <summary>Median LSP completion − median raw generation.</summary>
    public double OverheadMs { get; init; }

    public OverheadFigures? Overhead { get; init; }
    public StartupFigures? Startup { get; init; }
    public StartupTimelineFigures? StartupTimeline { get; init; }

    /// <summary>The same timeline of <c>$CODEASSIST_BASELINE_SERVER</c>, started in the same rounds; absent without it.</summary>
    public StartupTimelineFigures? StartupTimelineBaseline { get; init; }

    /// <summary>The measured server started again in each round on the project cache its first start wrote (a cached open).</summary>
    public StartupTimelineFigures? StartupTimelineCached { get; init; }
    public ContextFigures? Context { get; init; }
    public NextEditFigures? NextEdits { get; init; }
    public TypeThroughFigures? TypeThrough { get; init; }
    public TypingFigures? Typing { get; init; }
    public KvReuseFigures? KvReuse { get; init; }
    public ThroughputFigures? Throughput { get; init; }
    public SpeculativeFigures? Speculative { get; init; }
    public MemoryFigures? Memory { get; init; }

    /// <summary>Phases that failed, with why; the run exits non-zero when there are any.</summary>
    public IReadOnlyList<string> Errors { get; init; } = [];
    public double TotalSeconds { get; init; }

    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);
}

public sealed record MachineInfo(int Cores, string Os, string Runtime, string? Cpu, double? LoadAverageAtStart, double? LoadAverageAtEnd);

public sealed record ModelInfo(string Description, string Path, int PromptBudgetTokens, int MaxNewTokens);

/// <summary>
/// One A/B pair is the same edit, the same cursor, the same prompt and the same stop rules: A through the server
/// over stdio, B a raw generation in the bench process. The breakdown re-runs the server's context build and
/// post-processing in the bench process on the same text.
/// </summary>
public sealed record OverheadFigures(
    int Pairs,
    int PairsLeftOutAtDeadline,
    Distribution LspCompletionMs,
    Distribution RawGenerationMs,
    double PairedOverheadMs,
    double WithinRequestRatio,
    int PromptsIdentical,
    int OutputsIdentical,
    int ServerGenerations,
    double MeanNewTokens,
    double MeanReusedPromptTokens,
    double MeanPromptTokens,
    Distribution ServerBeforeGenerationMs,
    Distribution ServerGenerationMs,
    Distribution ServerAfterGenerationMs,
    Distribution InProcessContextBuildMs,
    Distribution InProcessContextBuildCpuMs,
    Distribution InProcessPostProcessingCpuMs,
    Distribution RawTimeToFirstTokenMs,
    IReadOnlyDictionary<string, int> RawStopReasons,
    double ServerCpuMsPerPair,
    double RawCpuMsPerPair,
    double CpuOverheadRatio,
    IReadOnlyDictionary<string, double> ServerCpuMsPerPairByThread,
    IReadOnlyDictionary<string, double> RawCpuMsPerPairByThread);

public sealed record StartupFigures(
    Distribution InitializeAnsweredMs,
    double ModelReadyAfterInitializeMs,
    double FirstCompletionColdMs,
    Distribution CompletionWarmMs,
    double FirstCompletionLooseAfterInitializeMs,
    double SolutionLoadedAfterInitializeMs,
    double FirstCompletionWithSolutionAfterInitializeMs,
    double FirstCompletionAfterSolutionLoadMs,
    bool? MembersFromOtherFilesBeforeLoad,
    bool MembersFromOtherFilesAfterLoad);

/// <summary>
/// The start-up timeline over several process starts (medians; every time in ms after the process was started unless it
/// says otherwise), with the ReadyToRun hello world started before each as the yardstick.
/// </summary>
public sealed record StartupTimelineFigures(
    int Starts,
    Distribution HelloWorldLineMs,
    Distribution HelloWorldExitMs,
    Distribution InitializeAnsweredMs,
    double InitializeOverHelloWorld,
    [property: JsonPropertyName("resident_after_initialize_mib")] Distribution ResidentAfterInitializeMiB,
    Distribution FirstCompletionMs,
    Distribution OpenToFirstCompletionMs,
    int FirstCompletionsGenerated,
    Distribution SolutionLoadedMs,
    Distribution FirstSemanticCompletionMs,
    Distribution InitializeToFirstSemanticCompletionMs,
    IReadOnlyDictionary<string, Distribution> ServerStepsMs)
{
    /// <summary>didOpen → the first completion's answer, on a folder with one loose file opened once the model is ready.</summary>
    public Distribution LooseFileOpenToCompletionMs { get; init; } = Distribution.Of([]);

    /// <summary>didOpen → that request's context built (the server's own step).</summary>
    public Distribution LooseFileOpenToContextMs { get; init; } = Distribution.Of([]);

    /// <summary>didOpen → that request's first token (the server's own step).</summary>
    public Distribution LooseFileOpenToFirstTokenMs { get; init; } = Distribution.Of([]);

    public int LooseFileCompletionsGenerated { get; init; }
}

public sealed record ContextFigures(
    int Projects,
    int Files,
    int Lines,
    double InProcessLoadMs,
    double WarmUpMs,
    int Positions,
    Distribution BuildMs,
    Distribution BuildCpuMs,
    Distribution FirstInProjectMs,
    IReadOnlyDictionary<string, Distribution> ByKindMs,
    IReadOnlyDictionary<string, Distribution> ByTypedTextMs,
    IReadOnlyDictionary<string, Distribution> BySourceMs,
    IReadOnlyDictionary<string, Distribution> BySourceCpuMs,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, Distribution>> ByKindAndSourceMs,
    double MeanPromptTokens,
    int AfterDotPositions,
    int AfterDotWithMembersInPrompt,
    string PromptsSha256,
    Distribution CompilerCheckMs,
    Distribution CompilerCheckCpuMs,
    IReadOnlyDictionary<string, int> CompilerCheckVerdicts,
    Distribution CompilerCheckForkOnlyMs,
    Distribution CompilerCheckForkOnlyCpuMs);

public sealed record TypeThroughFigures(int Hits, int Verified, Distribution HitMs);

public sealed record TypingFigures(
    int Keystrokes,
    double IntervalMs,
    double LineStartPauseMs,
    Distribution LatencyMs,
    Distribution HitLatencyMs,
    Distribution MissLatencyMs,
    long Requests,
    long CacheHits,
    long GenerationsStarted,
    long GenerationsFinished,
    long Cancelled,
    double HitRate,
    string Model);

public sealed record KvReuseFigures(
    int PromptTokens,
    double ExtendedByTokens,
    double MeanReusedTokens,
    Distribution WithReuseMs,
    Distribution WithoutReuseMs,
    double Speedup,
    double DecodeTokensPerSecondAfterReuse,
    double DecodeTokensPerSecondFresh);

public sealed record ThroughputFigures(
    double PromptTokensPerSecond,
    double GenerationTokensPerSecond,
    Distribution TimeToFirstTokenMs,
    int PromptTokens,
    double MeanNewTokens);

public sealed record MemoryFigures(
    [property: JsonPropertyName("no_model_peak_mib")] double? NoModelPeakMiB,
    [property: JsonPropertyName("model_loaded_peak_mib")] double? ModelLoadedPeakMiB,
    [property: JsonPropertyName("model_after_completions_peak_mib")] double? ModelPeakMiB,
    [property: JsonPropertyName("model_and_solution_peak_mib")] double? ModelAndSolutionPeakMiB);
