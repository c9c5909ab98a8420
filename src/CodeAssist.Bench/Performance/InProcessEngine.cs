using CodeAssist.Engine;
using CodeAssist.Engine.Completion;
using CodeAssist.Engine.Context;
using CodeAssist.Engine.Documents;
using CodeAssist.Engine.Workspace;
using CodeAssist.Inference;

namespace CodeAssist.Bench.Performance;

/// <summary>
/// The server's context pipeline wired as <see cref="ServerState"/> wires it (open documents laid over the loaded
/// solution, <see cref="ContextSources.Default"/>), with every source timed. The bench uses it to measure context
/// builds without a process boundary and to break the LSP overhead down.
/// </summary>
internal sealed class InProcessEngine : IDisposable
{
    public InProcessEngine(string workspaceRoot)
    {
        WorkspaceRoot = workspaceRoot;
        Documents = new DocumentStore();
        Workspace = new CodeWorkspace();
        Sources = new TimedContextSources(ContextSources.Default(Documents));
        Builder = new ContextBuilder(Workspace, Sources.Sources);
        Documents.Changed += Workspace.Update;
        Documents.Closed += uri =>
        {
            if (uri.IsFile)
                Workspace.Close(uri.LocalPath);
        };
    }

    public string WorkspaceRoot { get; }
    public DocumentStore Documents { get; }
    public CodeWorkspace Workspace { get; }
    public TimedContextSources Sources { get; }
    public ContextBuilder Builder { get; }

    /// <summary>Loads the solution as the server does; returns the milliseconds it took and the load's warnings.</summary>
    public async Task<(double Milliseconds, IReadOnlyList<string> Warnings, int Projects)> LoadAsync(string solutionPath, CancellationToken cancellationToken)
    {
        var start = Clock.Now();
        var result = await Workspace.LoadProjectsAsync([solutionPath], null, cancellationToken).ConfigureAwait(false);
        if (result.Solution is null)
            throw new InvalidOperationException($"the generated solution {solutionPath} did not load: {string.Join("; ", result.Warnings.Take(3))}");
        return (Clock.MillisecondsSince(start), result.Warnings, result.Solution.ProjectIds.Count);
    }

    /// <summary>Builds the context at an offset; returns it with its wall and CPU time and each source's share of both.</summary>
    public Task<(CompletionContext Context, double Milliseconds, double CpuMilliseconds, IReadOnlyDictionary<string, double> BySource, IReadOnlyDictionary<string, double> BySourceCpu)> BuildAsync(
        DocumentSnapshot document, int offset, int budget, Func<string, int> countTokens, CancellationToken cancellationToken) =>
        TimedAsync(() => Builder.BuildAsync(document, offset, budget, countTokens, WorkspaceRoot, cancellationToken));

    /// <summary>
    /// The completion plan the server's engine makes at an offset (<see cref="CompletionPlan.BuildAsync"/>, the same
    /// call), timed as <see cref="BuildAsync"/> is.
    /// </summary>
    public Task<(CompletionPlan Plan, double Milliseconds, double CpuMilliseconds, IReadOnlyDictionary<string, double> BySource, IReadOnlyDictionary<string, double> BySourceCpu)> PlanAsync(
        ITextGenerator model, DocumentSnapshot document, int offset, AssistSettings settings, CancellationToken cancellationToken) =>
        TimedAsync(() => CompletionPlan.BuildAsync(Builder, model, document, offset, settings, WorkspaceRoot, cancellationToken));

    private async Task<(T Result, double Milliseconds, double CpuMilliseconds, IReadOnlyDictionary<string, double> BySource, IReadOnlyDictionary<string, double> BySourceCpu)> TimedAsync<T>(
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

    public void Dispose() => Workspace.Dispose();
}
