using CodeAssist.Engine;
using CodeAssist.Engine.Completion;
using CodeAssist.Engine.Completion.PostProcessing;
using CodeAssist.Engine.Context;
using CodeAssist.Engine.Documents;
using CodeAssist.Engine.Hosting;
using CodeAssist.Engine.NextEdit;
using CodeAssist.Engine.Workspace;
using CodeAssist.Inference;
using CodeAssist.Server;

namespace CodeAssist.Bench.Performance;

/// <summary>
/// The server's engine (<see cref="EngineHost"/>, the same composition root) with every context source timed. The
/// bench uses it to measure context builds without a process boundary and to break the LSP overhead down.
/// </summary>
internal sealed class InProcessEngine : IDisposable
{
    private readonly EngineHost _engine;

    public InProcessEngine(string workspaceRoot)
    {
        TimedContextSources? timed = null;
        _engine = new EngineHost(new AssistSettings(), new ServerLog(LogLevel.Warn), new EngineOptions
        {
            WrapContextSources = sources => (timed = new TimedContextSources(sources)).Sources,
        });
        _engine.UseWorkspace([workspaceRoot]);
        Sources = timed!;
    }

    public string WorkspaceRoot => _engine.WorkspaceRoot!;
    public DocumentStore Documents => _engine.Documents;
    public CodeWorkspace Workspace => _engine.Workspace;
    public TimedContextSources Sources { get; }
    public ContextBuilder Builder => _engine.ContextBuilder;
    public NextEditEngine NextEdits => _engine.NextEdits;
    public Engine.Models.ModelHost Models => _engine.Models;

    /// <summary>The engine's compiler check of C# suggestions, the one its completions go through.</summary>
    public SuggestionCompilerCheck CompilerCheck => _engine.Completion.CompilerCheck!;

    /// <summary>
    /// The compiler check of <paramref name="suggestion"/> at <paramref name="offset"/>: its verdict, wall and CPU
    /// milliseconds; every suggestion bound in a fork when not <paramref name="speculate"/> (the A/B's other side).
    /// </summary>
    public async Task<(CompilerVerdict Verdict, double Milliseconds, double CpuMilliseconds)> CheckAsync(
        DocumentSnapshot document, int offset, string suggestion, bool speculate, CancellationToken cancellationToken)
    {
        CompilerCheck.Speculate = speculate;
        try
        {
            var cpu = CpuClock.ThisProcessMilliseconds();
            var start = Clock.Now();
            var result = await CompilerCheck.CheckAsync(document, offset, suggestion, cancellationToken).ConfigureAwait(false);
            return (result.Verdict, Clock.MillisecondsSince(start), CpuClock.ThisProcessMilliseconds() - cpu);
        }
        finally
        {
            CompilerCheck.Speculate = true;
        }
    }

    /// <summary>Loads the solution as the server does; returns the milliseconds it took and the load's warnings.</summary>
    public async Task<(double Milliseconds, IReadOnlyList<string> Warnings, int Projects)> LoadAsync(string solutionPath, CancellationToken cancellationToken)
    {
        var start = Clock.Now();
        var result = await _engine.LoadProjectsAsync([solutionPath], null, cancellationToken).ConfigureAwait(false);
        if (result.Solution is null)
            throw new InvalidOperationException($"the generated solution {solutionPath} did not load: {string.Join("; ", result.Warnings.Take(3))}");
        return (Clock.MillisecondsSince(start), result.Warnings, result.Solution.ProjectIds.Count);
    }

    /// <summary>Builds the context at an offset; returns it with its wall and CPU time and each source's share of both.</summary>
    public Task<(CompletionContext Context, double Milliseconds, double CpuMilliseconds,
        IReadOnlyDictionary<string, double> BySource, IReadOnlyDictionary<string, double> BySourceCpu)> BuildAsync(
        DocumentSnapshot document, int offset, int budget, Func<string, int> countTokens, CancellationToken cancellationToken) =>
        TimedAsync(() => Builder.BuildAsync(document, offset, budget, countTokens, WorkspaceRoot, cancellationToken));

    /// <summary>
    /// The completion plan the server's engine makes at an offset (<see cref="CompletionPlan.BuildAsync"/>, the same
    /// call), timed as <see cref="BuildAsync"/> is.
    /// </summary>
    public Task<(CompletionPlan Plan, double Milliseconds, double CpuMilliseconds,
        IReadOnlyDictionary<string, double> BySource, IReadOnlyDictionary<string, double> BySourceCpu)> PlanAsync(
        ITextGenerator model, DocumentSnapshot document, int offset, AssistSettings settings, CancellationToken cancellationToken) =>
        TimedAsync(() => CompletionPlan.BuildAsync(Builder, model, document, offset, settings, WorkspaceRoot, cancellationToken));

    private async Task<(T Result, double Milliseconds, double CpuMilliseconds,
        IReadOnlyDictionary<string, double> BySource, IReadOnlyDictionary<string, double> BySourceCpu)> TimedAsync<T>(
        Func<Task<T>> build)
    {
        Sources.Reset();
        var cpu = CpuClock.ThisProcessMilliseconds();
        var start = Clock.Now();
        var context = await build().ConfigureAwait(false);
        var total = Clock.MillisecondsSince(start);
        cpu = CpuClock.ThisProcessMilliseconds() - cpu;
        var bySource = new Dictionary<string, double>(Sources.Latest());
        bySource[WindowsAndTokens] = Math.Max(0, total - bySource.Values.Sum());
        var bySourceCpu = new Dictionary<string, double>(Sources.LatestCpu());
        bySourceCpu[WindowsAndTokens] = Math.Max(0, cpu - bySourceCpu.Values.Sum());
        return (context, total, cpu, bySource, bySourceCpu);
    }

    /// <summary>What the builder does besides the sources: cutting the prefix and suffix windows and counting tokens.</summary>
    private const string WindowsAndTokens = "windows and token counts";

    public void Dispose() => _engine.Dispose();
}
