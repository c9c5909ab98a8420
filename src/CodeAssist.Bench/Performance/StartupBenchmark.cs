using System.Text.Json.Nodes;
using CodeAssist.Engine.Hosting;
using CodeAssist.Engine.Workspace;

namespace CodeAssist.Bench.Performance;

/// <summary>One start of the server, every step in milliseconds after the process was started (NaN: not reached).</summary>
internal sealed record StartupRun(
    double HelloLineMs,
    double HelloExitMs,
    double InitializeAnsweredMs,
    double? ResidentAfterInitializeMiB,
    double FirstCompletionMs,
    double OpenToFirstCompletionMs,
    double SolutionLoadedMs,
    double FirstSemanticCompletionMs,
    bool FirstCompletionGenerated,
    IReadOnlyDictionary<string, double> ServerSteps);

/// <summary>
/// One start on a folder holding one loose file, opened once the model is ready: didOpen to the answer, and the server's
/// own steps after didOpen (the context built, the first token), in ms (NaN: not reached).
/// </summary>
internal sealed record LooseFileRun(double OpenToCompletionMs, double OpenToContextMs, double OpenToFirstTokenMs, bool Generated);

/// <summary>
/// The timeline of the measured server and, when one was named, of the baseline started in the same rounds; the starts
/// that failed, each with why.
/// </summary>
internal sealed record StartupTimelines(
    StartupTimelineFigures Server, StartupTimelineFigures? Baseline, StartupTimelineFigures Cached, IReadOnlyList<string> FailedStarts);

/// <summary>
/// The start-up timeline (#19): the server is started several times, each as an editor starts it on a solution — initialize
/// sent at once, initialized, a file of the solution opened and a completion asked for straight away (answered from
/// loose-file context, since the solution is still loading), then, once the solution's load and the compilations'
/// warm-up after it have ended, one more completion, which has the solution's semantic context. Before each start a ReadyToRun hello world is started, the
/// yardstick for what the runtime itself costs on this machine at this moment. Steps seen from here (the answers,
/// the progress end) are timed on the bench's clock; steps inside the server (Main entered, the first byte read, the
/// model loaded, the first context and token) come from <c>codeAssist/stats</c>'s <c>startup</c> times, placed on
/// the same timeline through the wall clock noted when the process was started. A server without them (an older
/// build) shows only the outside steps.
/// </summary>
internal static class StartupBenchmark
{
    /// <summary>Server steps in the order they are printed, with what the table calls them.</summary>
    public static readonly IReadOnlyList<(string Step, string Name)> ServerSteps =
    [
        (StartupTimeline.MainEntered, "runtime ready (Main entered)"),
        (StartupTimeline.ServeEntered, "command line parsed (serve entered)"),
        (StartupTimeline.ServerBuilt, "server built (older servers: and its engine)"),
        (StartupTimeline.FirstByteRead, "first byte read"),
        (StartupTimeline.InitializeHandled, "initialize handled"),
        (StartupTimeline.EngineBuilt, "engine built (after initialize's answer)"),
        (StartupTimeline.ModelLoaded, "model loaded"),
        (StartupTimeline.ModelWarmed, "model warmed up (a generation thrown away)"),
        (StartupTimeline.LooseFilesWarmed, "loose-file workspace ready"),
        (StartupTimeline.FirstContext, "first context built"),
        (StartupTimeline.FirstToken, "first token"),
        (StartupTimeline.FirstCompletion, "first completion with text"),
        (StartupTimeline.SolutionLoaded, "solution loaded"),
        (StartupTimeline.CompilationsWarmed, "compilations warmed"),
        (StartupTimeline.ProjectsChecked, "MSBuild's background load checked the cached projects"),
    ];

    /// <summary>
    /// A second published server to start in the same run (<c>$CODEASSIST_BASELINE_SERVER</c>, e.g. main's build before a
    /// change): each round starts the hello world, then both servers in alternating order, so before and after see the
    /// same machine and load.
    /// </summary>
    public static string? BaselineServer => Environment.GetEnvironmentVariable("CODEASSIST_BASELINE_SERVER") is { Length: > 0 } path ? path : null;

    public static async Task<StartupTimelines> RunAsync(
        int starts, string modelDirectory, string solutionRoot, string filePath, string looseRoot, string looseFile,
        IBenchStep step, CancellationToken cancellationToken)
    {
        var hello = await HelloWorldYardstick.PublishedAsync(cancellationToken).ConfigureAwait(false);
        var baseline = BaselineServer;
        if (baseline is not null && !File.Exists(baseline))
        {
            throw new InvalidOperationException(
                $"CODEASSIST_BASELINE_SERVER names {baseline}, which does not exist; point it at a published codeassist executable or unset it");
        }
        // One start of each that is not counted: the first start after a build pays for cold file caches.
        await HelloWorldYardstick.RunAsync(hello).ConfigureAwait(false);
        var runs = new List<StartupRun>();
        var cachedRuns = new List<StartupRun>();
        var baselineRuns = new List<StartupRun>();
        var looseRuns = new List<LooseFileRun>();
        var baselineLooseRuns = new List<LooseFileRun>();
        var failures = new List<string>();
        for (var i = 0; i < starts; i++)
        {
            var (line, exit) = await HelloWorldYardstick.RunAsync(hello).ConfigureAwait(false);
            // Which server goes first alternates, so neither always meets the caches the other warmed.
            string?[] order = baseline is null ? [null] : i % 2 == 0 ? [null, baseline] : [baseline, null];
            foreach (var server in order)
            {
                // Every start on the solution gets a project cache folder of its own, empty: a first-ever open. The measured
                // server is then started again on the cache its first start wrote: a cached open, in the same round.
                using var cache = new TemporaryFolder();
                var environment = new Dictionary<string, string> { [ProjectSystemCache.FolderVariable] = cache.Path };
                // A start that fails (a timeout on a machine under heavy load) is reported and left out; the others still count.
                try
                {
                    var run = await OneStartAsync(server, environment, modelDirectory, solutionRoot, filePath, line, exit).ConfigureAwait(false);
                    (server is null ? runs : baselineRuns).Add(run);
                    if (server is null)
                        cachedRuns.Add(await OneStartAsync(server, environment, modelDirectory, solutionRoot, filePath, line, exit).ConfigureAwait(false));
                }
                catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    failures.Add($"round {i + 1}, {(server is null ? "server" : "baseline")} on the solution: {e.Message}");
                }
                try
                {
                    var run = await OneLooseFileStartAsync(server, environment, modelDirectory, looseRoot, looseFile).ConfigureAwait(false);
                    (server is null ? looseRuns : baselineLooseRuns).Add(run);
                }
                catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    failures.Add($"round {i + 1}, {(server is null ? "server" : "baseline")} on the loose file: {e.Message}");
                }
            }
            step.Advance();
        }
        return new StartupTimelines(
            Figures(runs, looseRuns), baseline is null ? null : Figures(baselineRuns, baselineLooseRuns), Figures(cachedRuns, []), failures);
    }

    private static StartupTimelineFigures Figures(List<StartupRun> runs, List<LooseFileRun> looseRuns)
    {
        Distribution Loose(Func<LooseFileRun, double> of) => Distribution.Of([.. looseRuns.Select(of).Where(double.IsFinite)]);
        Distribution Of(Func<StartupRun, double> of) => Distribution.Of([.. runs.Select(of).Where(double.IsFinite)]);
        var steps = ServerSteps.Select(s => s.Step).ToDictionary(s => s, s => Of(r => r.ServerSteps.GetValueOrDefault(s, double.NaN)));
        var initialize = Of(r => r.InitializeAnsweredMs);
        var helloLine = Of(r => r.HelloLineMs);
        return new StartupTimelineFigures(
            runs.Count, helloLine, Of(r => r.HelloExitMs), initialize, initialize.P50 / helloLine.P50,
            Distribution.Of([.. runs.Select(r => r.ResidentAfterInitializeMiB).OfType<double>()]),
            Of(r => r.FirstCompletionMs), Of(r => r.OpenToFirstCompletionMs), runs.Count(r => r.FirstCompletionGenerated),
            Of(r => r.SolutionLoadedMs), Of(r => r.FirstSemanticCompletionMs), Of(r => r.FirstSemanticCompletionMs - r.InitializeAnsweredMs),
            steps)
        {
            LooseFileOpenToCompletionMs = Loose(r => r.OpenToCompletionMs),
            LooseFileOpenToContextMs = Loose(r => r.OpenToContextMs),
            LooseFileOpenToFirstTokenMs = Loose(r => r.OpenToFirstTokenMs),
            LooseFileCompletionsGenerated = looseRuns.Count(r => r.Generated),
        };
    }

    private static async Task<StartupRun> OneStartAsync(string? serverPath, IReadOnlyDictionary<string, string> environment,
        string modelDirectory, string solutionRoot, string filePath, double helloLine, double helloExit)
    {
        await using var server = LspServerProcess.Start(["--model", modelDirectory], serverPath, environment);
        var session = new EditorSession(server);
        var answered = await session.InitializeAsync(solutionRoot, BenchPlan.InitializationOptions).ConfigureAwait(false);
        var resident = server.ResidentMiB();

        var text = await File.ReadAllTextAsync(filePath).ConfigureAwait(false);
        var bodyStart = ContextBenchmark.MethodBodyStart(text, 3);
        text = text.Insert(bodyStart, "        \n");
        var cursor = bodyStart + 8;
        var openedAt = Clock.Now();
        var document = await session.OpenAsync(filePath, text).ConfigureAwait(false);
        await session.InlineCompletionAsync(document, cursor).ConfigureAwait(false);
        var firstAt = Clock.Now();
        var generated = (await session.StatsAsync().ConfigureAwait(false)).Generations >= 1;

        var loaded = await server.WaitForNotificationAsync("$/progress", IsSolutionLoadEnd, TimeSpan.FromMinutes(10)).ConfigureAwait(false);
        var loadedAt = loaded["receivedAt"]!.GetValue<long>();
        // Completions do not wait for the compilations' warm-up after the load; they have the solution's semantic
        // context from its end on.
        await server.WaitForNotificationAsync("$/progress", IsCompilationsReadyEnd, TimeSpan.FromMinutes(10)).ConfigureAwait(false);
        var typed = BenchPlan.Statement(0);
        await session.ChangeAsync(document, cursor, cursor, typed).ConfigureAwait(false);
        await session.InlineCompletionAsync(document, cursor + typed.Length).ConfigureAwait(false);
        var semanticAt = Clock.Now();

        var stats = await server.RequestAsync("codeAssist/stats", null).ConfigureAwait(false);
        var steps = new Dictionary<string, double>(StringComparer.Ordinal);
        if (stats.Result?["startup"] is JsonObject startup)
        {
            foreach (var (name, value) in startup)
            {
                if (value is not null)
                    steps[name] = value.GetValue<double>() - server.StartedAtUnixMilliseconds;
            }
        }
        await server.ShutdownAsync().ConfigureAwait(false);
        return new StartupRun(helloLine, helloExit, Clock.Milliseconds(server.StartedAt, answered), resident,
            Clock.Milliseconds(server.StartedAt, firstAt), Clock.Milliseconds(openedAt, firstAt), Clock.Milliseconds(server.StartedAt, loadedAt),
            Clock.Milliseconds(server.StartedAt, semanticAt), generated, steps);
    }

    /// <summary>
    /// The first loose-file completion once the model is ready (#19's "didOpen → first inline completion, loose file"):
    /// the server is started on a folder with one loose file, and the file is opened when the status says ready, as
    /// when a user opens a file in a window whose server has started. What the first request pays beyond a warm one
    /// (Roslyn's first binding, the runtime's first generation) is what this shows.
    /// </summary>
    private static async Task<LooseFileRun> OneLooseFileStartAsync(
        string? serverPath, IReadOnlyDictionary<string, string> environment, string modelDirectory, string looseRoot, string looseFile)
    {
        await using var server = LspServerProcess.Start(["--model", modelDirectory], serverPath, environment);
        var session = new EditorSession(server);
        await session.InitializeAsync(looseRoot, BenchPlan.InitializationOptions).ConfigureAwait(false);
        await server.WaitForNotificationAsync("codeAssist/status", ServerSessions.IsReady, TimeSpan.FromMinutes(5)).ConfigureAwait(false);

        var text = await File.ReadAllTextAsync(looseFile).ConfigureAwait(false);
        var bodyStart = ContextBenchmark.MethodBodyStart(text, 2);
        text = text.Insert(bodyStart, "        \n");
        var openedAtUnix = StartupTimeline.UnixMilliseconds(DateTimeOffset.UtcNow);
        var openedAt = Clock.Now();
        var document = await session.OpenAsync(looseFile, text).ConfigureAwait(false);
        await session.InlineCompletionAsync(document, bodyStart + 8).ConfigureAwait(false);
        var answeredAt = Clock.Now();
        var generated = (await session.StatsAsync().ConfigureAwait(false)).Generations >= 1;
        var stats = await server.RequestAsync("codeAssist/stats", null).ConfigureAwait(false);
        double AfterOpen(string step) => stats.Result?["startup"]?[step] is JsonNode value ? value.GetValue<double>() - openedAtUnix : double.NaN;
        var run = new LooseFileRun(
            Clock.Milliseconds(openedAt, answeredAt), AfterOpen(StartupTimeline.FirstContext), AfterOpen(StartupTimeline.FirstToken), generated);
        await server.ShutdownAsync().ConfigureAwait(false);
        return run;
    }

    /// <summary>
    /// The end of the compilations' warm-up after a load ("compilations ready", PROTOCOL.md): completions do not wait for
    /// it, and have the solution's semantic context from then on.
    /// </summary>
    public static bool IsCompilationsReadyEnd(JsonObject notification) =>
        (string?)notification["params"]?["value"]?["kind"] == "end"
        && ((string?)notification["params"]?["value"]?["message"])?.Contains("compilations ready", StringComparison.Ordinal) == true;

    /// <summary>The end of the solution load's progress: the only progress end that says "loaded" (PROTOCOL.md).</summary>
    public static bool IsSolutionLoadEnd(JsonObject notification) =>
        (string?)notification["params"]?["value"]?["kind"] == "end"
        && ((string?)notification["params"]?["value"]?["message"])?.Contains("loaded", StringComparison.Ordinal) == true;
}

/// <summary>A new folder under the temp directory, deleted with what it holds on dispose.</summary>
internal sealed class TemporaryFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("codeassist-bench-").FullName;

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Temp folders are cleaned eventually.
        }
    }
}
