using CodeAssist.Engine;
using CodeAssist.Engine.Hosting;
using CodeAssist.Engine.Workspace;
using CodeAssist.Server.Handlers;
using CodeAssist.Server.Protocol;
using CodeAssist.Server.Workspace;
using StreamJsonRpc;

namespace CodeAssist.Server;

/// <summary>
/// The protocol's state, beside the engine it drives (rust-analyzer's <c>GlobalState</c> beside its
/// <c>AnalysisHost</c>): the JSON-RPC client, the lifecycle (initialized, shut down, exit), work-done progress of the
/// solution load and status publishing. The engine's components live in <see cref="Engine"/>; handlers convert
/// between LSP types and engine terms.
/// </summary>
public sealed class ServerState : IDisposable
{
    private readonly TaskCompletionSource<EngineHost> _engine = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Func<AssistSettings, EngineHost>? _buildEngine;
    private Task _answerWritten = Task.CompletedTask;

    // The last dispatch step queued while the engine was being built (RunInTurn); written on the dispatch context only.
    private Task _queued = Task.CompletedTask;

    /// <summary>A state over an engine that exists already (in-process tests, the bench): `initialize` configures it.</summary>
    public ServerState(EngineHost engine, ServerLog log)
        : this(log, engine.Settings, buildEngine: null)
    {
        engine.StatusChanged += PublishStatus;
        _engine.SetResult(engine);
    }

    /// <summary>
    /// A state whose engine is built once `initialize` has been answered (what `codeassist serve` runs): the editor waits
    /// for that answer before it sends anything else, and building the engine (the model catalog, Roslyn's workspace and
    /// the assemblies they load) was more than half of the time from Main to the first read (docs/PERFORMANCE.md, #19).
    /// <paramref name="buildEngine"/> makes the engine from the settings `initialize` ends with; a message that needs the
    /// engine before it exists waits for it (see <see cref="RunInTurn"/>).
    /// </summary>
    public ServerState(ServerLog log, AssistSettings settings, Func<AssistSettings, EngineHost>? buildEngine)
    {
        Log = log;
        StartSettings = settings;
        _buildEngine = buildEngine;
        Files = new FileWatching(this);
    }

    /// <summary>Changes on disk, watched by the client or by the server, reaching the engine's workspace.</summary>
    public FileWatching Files { get; }

    /// <summary>The settings the engine starts with, before `initialize`'s initializationOptions are applied.</summary>
    public AssistSettings StartSettings { get; }

    /// <summary>
    /// The engine. It is built just after `initialize` is answered, and every message after `initialize` runs its
    /// dispatch step only once it exists (<see cref="RunInTurn"/>), so nothing here waits: asking for it before it is
    /// built is a bug, and a build that failed throws its exception to whoever asks.
    /// </summary>
    public EngineHost Engine => _engine.Task.IsCompleted
        ? _engine.Task.GetAwaiter().GetResult()
        : throw new InvalidOperationException("the engine is asked for before it is built; a dispatch step must run through ServerState.RunInTurn");

    /// <summary>The engine once it is built (never completes when `initialize` never came).</summary>
    internal Task<EngineHost> EngineTask => _engine.Task;

    /// <summary>Whether the engine exists (it is built just after `initialize` is answered).</summary>
    public bool EngineBuilt => _engine.Task.IsCompletedSuccessfully;

    /// <summary>
    /// Runs one message's dispatch step in arrival order. Before `initialize`, and once the engine exists with nothing
    /// queued, the step runs at once, on the dispatch context, as every message's step does. In between (initialize
    /// answered, the engine still being built) the step is queued behind the build and the steps queued before it, and
    /// this returns at once: no thread waits for the engine, so the dispatch context goes on reading, each message
    /// after it queues in its turn, and a request cancelled while it waits is answered RequestCancelled at once (its step
    /// then never runs). Queued steps run one at a time on the thread pool, and no step runs at once while one is
    /// queued, so the order holds either way. (A blocking wait here held the dispatch context's thread-pool thread, and
    /// every message behind it, for as long as the build took, while the build itself needed the same small pool.)
    /// </summary>
    internal Task<T> RunInTurn<T>(Func<T> step, CancellationToken cancellationToken)
    {
        if (!Initialized || (EngineBuilt && _queued.IsCompleted))
            return Task.FromResult(step());
        var run = RunAfterAsync(_queued, step, cancellationToken);
        _queued = run.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return run.WaitAsync(cancellationToken);
    }

    private async Task<T> RunAfterAsync<T>(Task previous, Func<T> step, CancellationToken cancellationToken)
    {
        await previous.ConfigureAwait(false);
        // A build that failed fails the steps that ask for the engine (Engine throws its exception); the rest still run.
        await ((Task)_engine.Task).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        cancellationToken.ThrowIfCancellationRequested();
        return step();
    }

    public ServerLog Log { get; }

    /// <summary>The client, once the connection is set up (null for a state that serves no connection).</summary>
    public JsonRpc? Client { get; private set; }

    public bool Initialized { get; private set; }
    public bool ShutdownRequested { get; private set; }

    /// <summary>Set when a client said `exit`; the value is the process exit code.</summary>
    public TaskCompletionSource<int> Exit { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// When `initialize`'s answer has been written (by <see cref="Transport.EarlyInitialize"/>, or by
    /// <see cref="Transport.LspMessageHandler.FirstResultWritten"/> when StreamJsonRpc answered it): the engine is built
    /// from then on, so that building it does not compete with the answer for the cores. Set before any message is read.
    /// </summary>
    internal void BuildEngineOnceAnswered(Task answerWritten) => _answerWritten = answerWritten;

    /// <summary>The connection, once StreamJsonRpc is built (after the first `initialize` was answered).</summary>
    internal void AttachClient(JsonRpc client) => Client = client;

    /// <summary>`initialize` may come once.</summary>
    public void EnsureNotInitialized()
    {
        if (Initialized)
            throw new LocalRpcException("initialize was already received") { ErrorCode = LspErrorCodes.InvalidRequest };
    }

    /// <summary>
    /// What `initialize` changes: the workspace folders, the settings and trust, and from now on every other request is
    /// served. An existing engine takes them at once; otherwise the engine is built with them once the answer is written.
    /// </summary>
    public void MarkInitialized(IReadOnlyList<string> workspaceFolders, AssistSettings settings, bool untrusted)
    {
        EnsureNotInitialized();
        Initialized = true;
        if (_buildEngine is null)
        {
            Configure(_engine.Task.Result, workspaceFolders, settings, untrusted);
            return;
        }
        _answerWritten.ContinueWith(_ =>
        {
            try
            {
                var engine = _buildEngine(settings);
                Configure(engine, workspaceFolders, settings, untrusted);
                engine.StatusChanged += PublishStatus;
                StartupTimeline.Mark(StartupTimeline.EngineBuilt);
                _engine.SetResult(engine);
            }
            catch (Exception e)
            {
                Log.Error($"the engine could not be built: {e}");
                _engine.SetException(e);
            }
        }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
    }

    private static void Configure(EngineHost engine, IReadOnlyList<string> workspaceFolders, AssistSettings settings, bool untrusted)
    {
        engine.UseWorkspace(workspaceFolders);
        if (untrusted)
            engine.Distrust();
        engine.ApplySettings(settings);
    }

    public void MarkShutdownRequested() => ShutdownRequested = true;

    /// <summary>Requests before initialize get ServerNotInitialized, as the specification says.</summary>
    public void EnsureInitialized()
    {
        if (!Initialized)
            throw new LocalRpcException("the server is not initialized; send initialize first") { ErrorCode = LspErrorCodes.ServerNotInitialized };
    }

    private readonly Lock _loadGate = new();
    private bool _loading;
    private bool _loadAgain;

    /// <summary>
    /// Loads the projects in the background (the first load, and reloads when the project system changed on disk):
    /// one load at a time, and a request that arrives during a load runs one more load after it, so a branch switch's
    /// many batches end in the projects as they are now, never in two loads at once.
    /// </summary>
    public void RequestWorkspaceLoad()
    {
        lock (_loadGate)
        {
            if (_loading)
            {
                _loadAgain = true;
                return;
            }
            _loading = true;
        }
        _ = Task.Run(async () =>
        {
            while (true)
            {
                await LoadWorkspaceAsync(CancellationToken.None).ConfigureAwait(false);
                lock (_loadGate)
                {
                    if (!_loadAgain)
                    {
                        _loading = false;
                        return;
                    }
                    _loadAgain = false;
                }
            }
        });
    }

    /// <summary>
    /// What `initialized` starts once the client has its answer to `initialize`, in parallel on the thread pool: the
    /// model load, the loose-files workspace (Roslyn's services and the framework's references, so the first completion
    /// finds them ready) and the solution load followed by its compilations, the long ones with work-done progress.
    /// Completion works on loose files as soon as the model is there and gets the solution's context when its load ends.
    /// File watching starts here too (<see cref="FileWatching"/>), so changes on disk from now on reach the workspace.
    /// </summary>
    public void StartBackgroundWork()
    {
        Engine.StartModelLoad();
        // Read here, not in the task: a small model can finish loading before a busy thread pool runs it, and the
        // client would then never hear the progress of a load that did happen.
        var loading = Engine.Models.IsLoading;
        _ = Task.Run(() => ReportModelLoadAsync(loading));
        // Called here, not on the thread pool: from this call on, a completion knows the loose-files project is warming
        // up and does not wait for it (the call itself only starts the warm-up).
        _ = Engine.WarmLooseFilesAsync(CancellationToken.None);
        RequestWorkspaceLoad();
        _ = Files.StartAsync().ContinueWith(t => Log.Error($"file watching did not start: {t.Exception!.InnerException!.Message}"),
            CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
    }

    private async Task ReportModelLoadAsync(bool loading)
    {
        if (!loading)
            return;
        using var progress = await WorkDoneProgress.StartAsync(Client, "CodeAssist: loading the model", Log).ConfigureAwait(false);
        // Ends after the warm-up generation too: a client that opens a file at "ready" finds the runtime warm.
        var model = await Engine.Models.WhenReadyAsync(CancellationToken.None).ConfigureAwait(false);
        // Not "loaded": clients and tests read an end that says "loaded" as the solution's.
        progress.End(model is null ? "no model (the status says why)" : $"{model.Name} ready");
    }

    /// <summary>
    /// Loads the solution or projects under the workspace folders in the background, reporting LSP work-done
    /// progress, then reports the compilations' warm-up (<see cref="Engine.Workspace.CodeWorkspace.Warming"/>) the
    /// same way. Completion works on loose files meanwhile; a failed load is a warning. Projects that came from the
    /// project-system cache end the load's progress at once ("loaded from the cache"); MSBuild's check of them goes on
    /// in the background, and when it replaces them their compilations are reported again.
    /// </summary>
    public async Task LoadWorkspaceAsync(CancellationToken cancellationToken)
    {
        if (!Engine.Trusted)
        {
            Log.Info("untrusted workspace: no solution or project is evaluated; C# files get loose-file context with the framework's references");
            return;
        }
        var projectSystem = Engine.FindProjectSystem();
        if (projectSystem.Count == 0)
        {
            Log.Info("no solution or project file under the workspace folders; C# files are read as loose files");
            return;
        }
        var title = "CodeAssist: loading " + string.Join(", ", projectSystem.Select(Path.GetFileName));
        Task<SolutionLoadResult>? check;
        using (var progress = await WorkDoneProgress.StartAsync(Client, title, Log).ConfigureAwait(false))
        {
            try
            {
                var reported = new Progress<Engine.Workspace.SolutionLoadProgress>(p => progress.Report(p.Message, p.Percentage));
                var result = await Engine.LoadProjectsAsync(projectSystem, reported, cancellationToken).ConfigureAwait(false);
                progress.End($"{result.Solution?.ProjectIds.Count ?? 0} project(s) loaded{(result.FromCache ? " from the cache" : "")}");
                if (result.Solution is null)
                    return;
                check = result.CheckedByMSBuild;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Log.Warn($"the solution did not load ({e.Message}); completions use loose files");
                progress.End("solution not loaded");
                return;
            }
        }
        await ReportWarmUpAsync().ConfigureAwait(false);
        if (check is not null && (await check.ConfigureAwait(false)).Check == CacheCheck.Replaced)
            await ReportWarmUpAsync().ConfigureAwait(false);
    }

    /// <summary>The compilations' warm-up with its progress, to its end (a warm-up that a newer load replaced is followed to the newer one's end).</summary>
    private async Task ReportWarmUpAsync()
    {
        using var progress = await WorkDoneProgress.StartAsync(Client, "CodeAssist: compiling the projects", Log).ConfigureAwait(false);
        Task warming;
        do
        {
            warming = Engine.Workspace.Warming;
            await warming.ConfigureAwait(false);
        }
        while (warming != Engine.Workspace.Warming);
        progress.End("compilations ready");
        Log.Info("compilations ready: the solution's context is complete");
    }

    /// <summary>Sends codeAssist/status with the engine's current state (once initialized; a client hears nothing before).</summary>
    public void PublishStatus()
    {
        var client = Client;
        if (client is null || client.IsDisposed || !Initialized)
            return;
        var status = Engine.CurrentStatus();
        var parameters = new StatusParams(
            char.ToLowerInvariant(status.State.ToString()[0]) + status.State.ToString()[1..],
            status.Model,
            status.Device?.ToString().ToLowerInvariant(),
            status.Message)
        {
            Backend = status.Backend,
            Languages = status.Languages,
            Trusted = Engine.Trusted,
        };
        _ = client.NotifyWithParameterObjectAsync(CodeAssistMethods.Status, parameters).ContinueWith(
            static t => _ = t.Exception, TaskContinuationOptions.OnlyOnFaulted);
    }

    public void Dispose()
    {
        if (EngineBuilt)
            Engine.StatusChanged -= PublishStatus;
        Files.Dispose();
    }
}
