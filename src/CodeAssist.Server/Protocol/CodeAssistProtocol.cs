namespace CodeAssist.Server.Protocol;

// CodeAssist's own protocol extensions, namespaced and documented in docs/PROTOCOL.md.

public sealed record StatusParams(string State, string? Model, string? Device, string? Message)
{
    /// <summary>Which backend answers: "CPU", "GPU (CUDA)" or a team server ("llamacpp at https://gpu01:8080").</summary>
    public string? Backend { get; init; }

    /// <summary>The LSP language ids the model completes; absent when it completes every language.</summary>
    public IReadOnlyList<string>? Languages { get; init; }

    /// <summary>False when the server runs untrusted (no project evaluated, installed models only).</summary>
    public bool Trusted { get; init; } = true;
}

public sealed record DoctorResult(string Report);

public sealed record StatsResult(long Shown, long Accepted, long PartiallyAccepted, long Generations, long CacheHits, long Requests, long Cancelled,
    long CompilerCut, long CompilerDropped, SpeculationStats? Speculation = null, NextEditStatsInfo? NextEdits = null)
{
    /// <summary>
    /// When each start-up step of this process first happened (mainEntered, serveEntered, serverBuilt, firstByteRead, initializeHandled,
    /// engineBuilt, modelLoaded, modelWarmed, looseFilesWarmed, solutionLoaded, compilationsWarmed, firstContext, firstToken, firstCompletion), as
    /// Unix milliseconds; steps that have not happened are absent. The bench places them on its own clock.
    /// </summary>
    public IReadOnlyDictionary<string, double>? Startup { get; init; }
}

/// <summary>
/// What speculative decoding did since the model loaded: <c>mode</c> draftModel or promptLookup, verification
/// <c>steps</c>, tokens <c>proposed</c> and <c>accepted</c>, <c>acceptedPerStep</c> and <c>acceptanceRate</c>
/// (accepted of those examined). Absent when the model does not speculate.
/// </summary>
public sealed record SpeculationStats(string Mode, long Steps, long Proposed, long Accepted, double AcceptedPerStep, double AcceptanceRate);

public sealed record ContextParams(TextDocumentIdentifier TextDocument, Position Position);

public sealed record ContextPieceInfo(string Kind, string Source, int Tokens, string Text);

/// <summary><c>healedText</c>: the end of the prefix left out of the prompt by token healing; the reply is made to start with it.</summary>
public sealed record ContextResult(string Prompt, int BudgetTokens, ContextPieceInfo[] Pieces, string HealedText);

/// <summary>
/// The <c>data</c> of a CodeAssist code action: what <c>codeAction/resolve</c> (or the <c>codeassist.runRefactoring</c>
/// command) needs to run it. <c>Refactoring</c> is document, validate, simplify, extract or tests.
/// </summary>
public sealed record RefactoringActionData(string Refactoring, Uri Uri, Range Range, int Version);

/// <summary>
/// codeAssist/nextEdit params: the cursor and the document version the client has (a stale one is answered empty);
/// <c>includeLocations</c> asks for the places considered too (the bench's location accuracy; debugging clients).
/// </summary>
public sealed record NextEditParams(TextDocumentIdentifier TextDocument, Position Position, int? Version, bool IncludeLocations = false);

/// <summary>A place the compiler says may need the next edit: <c>kind</c> is diagnostic, reference or similarLine.</summary>
public sealed record NextEditLocationInfo(TextDocumentIdentifier TextDocument, Range Range, string Kind, string Reason);

/// <summary>One next edit: replace <c>range</c> of the document with <c>newText</c>; <c>reason</c> says why it is needed.</summary>
public sealed record NextEditItem(OptionalVersionedTextDocumentIdentifier TextDocument, Range Range, string NewText, string Reason);

/// <summary>
/// codeAssist/nextEdit result: the validated edits, best first (empty when there is none), the <c>command</c> to run
/// when the user accepts them, and, when an edit is on the cursor's line, the same edit as inline completion items.
/// </summary>
public sealed record NextEditResponse(NextEditItem[] Edits, Command? Command, InlineCompletionItem[] InlineCompletionItems)
{
    /// <summary>The places considered, best first; only when the params asked for them.</summary>
    public NextEditLocationInfo[]? Locations { get; init; }
}

/// <summary>The next-edit counters of codeAssist/stats.</summary>
public sealed record NextEditStatsInfo(long Requests, long Shown, long Accepted, long Dropped);

public static class CodeAssistMethods
{
    public const string Status = "codeAssist/status";
    public const string Doctor = "codeAssist/doctor";
    public const string Stats = "codeAssist/stats";
    public const string Context = "codeAssist/context";
    public const string NextEdit = "codeAssist/nextEdit";
}

public static class CodeAssistCommands
{
    public const string DidShowCompletion = "codeassist.didShowCompletion";
    public const string DidAcceptCompletion = "codeassist.didAcceptCompletion";
    public const string DidPartiallyAcceptCompletion = "codeassist.didPartiallyAcceptCompletion";
    public const string Rewrite = "codeassist.rewrite";
    public const string RunRefactoring = "codeassist.runRefactoring";
    public const string DidAcceptNextEdit = "codeassist.didAcceptNextEdit";

    public static readonly string[] All = [DidShowCompletion, DidAcceptCompletion, DidPartiallyAcceptCompletion, Rewrite, RunRefactoring, DidAcceptNextEdit];

    /// <summary>
    /// The command of the "Rewrite with instruction…" code action. It is the client's own (it asks for the instruction,
    /// then sends <see cref="Rewrite"/>), so the server does not advertise it.
    /// </summary>
    public const string RewriteWithInstruction = "codeassist.rewriteWithInstruction";
}
