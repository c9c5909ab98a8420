using CodeAssist.Engine.Completion;
using CodeAssist.Engine.Completion.PostProcessing;
using CodeAssist.Engine.Context;
using CodeAssist.Engine.Documents;
using CodeAssist.Engine.Models;
using CodeAssist.Engine.NextEdit;
using CodeAssist.Engine.Refactoring;
using CodeAssist.Engine.Workspace;
using CodeAssist.Inference.Devices;

namespace CodeAssist.Engine.Hosting;

/// <summary>
/// The engine, built once: open documents, the Roslyn workspace, the model, the context builder and the completion and
/// refactoring engines, wired to each other and to the settings. The one composition root: the LSP server, the
/// command line and the bench all drive this object (rust-analyzer's <c>AnalysisHost</c>; the server's protocol state
/// lives apart, in its own <c>ServerState</c>, as <c>GlobalState</c> does). It knows nothing of LSP.
/// </summary>
public sealed class EngineHost : IDisposable
{
    private readonly Lock _gate = new();
    private AssistSettings _settings;
    private (string? Path, string Device, Inference.Remote.TeamServerSettings? Backend)? _modelRequest;
    // Generations running now, across completions, next edits and refactorings. A count, not a flag: a request that
    // supersedes another starts its generation before the superseded one has unwound, and the status must still say
    // "generating" when the older one ends.
    private int _generations;

    public EngineHost(AssistSettings settings, IEngineLog log, EngineOptions? options = null)
    {
        options ??= new EngineOptions();
        Log = log;
        Trusted = options.Trusted;
        _settings = settings;
        Documents = new DocumentStore();
        Workspace = new CodeWorkspace
        {
            WarmCompilationsAfterLoad = options.WarmCompilationsAfterLoad,
            ProjectCache = options.ProjectCacheFolder is { } cacheFolder ? new ProjectSystemCache(cacheFolder, log.Info) : null,
            Log = log.Info,
        };
        Models = new ModelHost(log.Info, options.HeldGenerations is { } held ? held.Wrap : null);
        var sources = options.SemanticContext ? ContextSources.Default(Documents) : ContextSources.TextOnly(Documents);
        ContextBuilder = new ContextBuilder(Workspace, options.WrapContextSources?.Invoke(sources) ?? sources);
        Completion = new InlineCompletionEngine(Documents, ContextBuilder, Models, () => Settings, () => WorkspaceRoot, new SuggestionCompilerCheck(Workspace));
        Refactorings = new RefactoringEngine(Workspace, Models);
        Refactorings.Generated += Completion.Stats.Generated;
        Refactorings.Generating += OnGenerating;
        Completion.Generating += OnGenerating;
        Documents.Changed += Workspace.Update;
        NextEdits = new NextEditEngine(Documents, Workspace, ContextBuilder, Models, () => Settings, () => WorkspaceRoot, log.Debug);
        NextEdits.History.Attach(Documents);
        Documents.Changed += NextEdits.Prepare;
        NextEdits.Generated += Completion.Stats.Generated;
        NextEdits.Generating += OnGenerating;
        Documents.Closed += uri =>
        {
            if (uri.IsFile)
                Workspace.Close(uri.LocalPath);
            Completion.Cache.Forget(uri);
        };
        Models.StatusChanged += () => StatusChanged?.Invoke();
    }

    public IEngineLog Log { get; }

    /// <summary>
    /// Whether the workspace is trusted. Untrusted (`serve --untrusted`, or the initialization option
    /// <c>untrusted: true</c>), no project or solution is evaluated, since MSBuild runs a project's targets and Roslyn
    /// its analyzers and generators; C# files get loose-file context with the framework's references. Only models from
    /// the models directory load, since the workspace's settings may name a folder. Trust is only ever taken away within
    /// a process: a client grants it by starting a new server.
    /// </summary>
    public bool Trusted { get; private set; }

    /// <summary>Takes trust away (the client said the workspace is untrusted); never gives it back.</summary>
    public void Distrust()
    {
        if (!Trusted)
            return;
        Trusted = false;
        Log.Info("the workspace is not trusted: no project will be evaluated and only installed models load");
    }
    public DocumentStore Documents { get; }
    public CodeWorkspace Workspace { get; }
    public ModelHost Models { get; }
    public ContextBuilder ContextBuilder { get; }
    public InlineCompletionEngine Completion { get; }
    public RefactoringEngine Refactorings { get; }
    public NextEditEngine NextEdits { get; }

    /// <summary>The folders the user works in; the first is the root (the repository name in prompts, paths in context).</summary>
    public IReadOnlyList<string> WorkspaceFolders { get; private set; } = [];

    public string? WorkspaceRoot => WorkspaceFolders.Count > 0 ? WorkspaceFolders[0] : null;

    /// <summary>Raised when what <see cref="CurrentStatus"/> answers may have changed.</summary>
    public event Action? StatusChanged;

    public AssistSettings Settings
    {
        get
        {
            lock (_gate)
                return _settings;
        }
    }

    /// <summary>Sets the workspace folders; projects load only when <see cref="LoadProjectsAsync"/> is asked to.</summary>
    public void UseWorkspace(IReadOnlyList<string> folders) => WorkspaceFolders = [.. folders];

    /// <summary>Replaces the settings; once the model was asked for, it (re)loads when the settings name another one.</summary>
    public void ApplySettings(AssistSettings settings)
    {
        bool modelRequested;
        lock (_gate)
        {
            _settings = settings;
            modelRequested = _modelRequest is not null;
        }
        if (modelRequested)
            StartModelLoad();
        StatusChanged?.Invoke();
    }

    /// <summary>Starts loading the model the settings name, in the background; the same model is not loaded twice.</summary>
    public void StartModelLoad()
    {
        var settings = Settings;
        lock (_gate)
        {
            // Suggestions cached from another model must not answer for the new one.
            if (_modelRequest is { } previous && previous != (settings.ModelPath, settings.Device, settings.Backend))
                Completion.Cache.Clear();
            _modelRequest = (settings.ModelPath, settings.Device, settings.Backend);
        }
        Models.Load(settings.ModelPath, DeviceSelection.ParsePreference(settings.Device), settings.Backend, installedOnly: !Trusted);
    }

    /// <summary>The solution or project files under the workspace folders (empty: C# files are read as loose files).</summary>
    public IReadOnlyList<string> FindProjectSystem() => SolutionLoader.FindProjectSystem(WorkspaceFolders);

    /// <summary>
    /// Loads solution or project files over the open documents; completion works on loose files meanwhile. Warnings
    /// are logged and returned; a load that fails throws, and the loose-file context stays. Projects that come from the
    /// project-system cache are there when this returns, and MSBuild's check of them
    /// (<see cref="SolutionLoadResult.CheckedByMSBuild"/>) is logged when it ends. An untrusted workspace loads nothing.
    /// </summary>
    public async Task<SolutionLoadResult> LoadProjectsAsync(
        IReadOnlyList<string> projectSystem, IProgress<SolutionLoadProgress>? progress, CancellationToken cancellationToken)
    {
        if (!Trusted)
            return new SolutionLoadResult(null, [], []);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var loading = Workspace.LoadProjectsAsync(projectSystem, progress, cancellationToken);
        StatusChanged?.Invoke();
        try
        {
            var result = await loading.ConfigureAwait(false);
            foreach (var warning in result.Warnings.Take(20))
                Log.Warn($"workspace: {warning}");
            Log.Info($"loaded {result.Solution?.ProjectIds.Count ?? 0} project(s) from {string.Join(", ", result.LoadedFrom)} " +
                $"{(result.FromCache ? "out of the project cache " : "")}in {clock.ElapsedMilliseconds} ms");
            if (result.Solution is not null)
                StartupTimeline.Mark(StartupTimeline.SolutionLoaded);
            if (result.CheckedByMSBuild is { } check)
                result = result with { CheckedByMSBuild = LogCheckAsync(check, clock) };
            return result;
        }
        finally
        {
            StatusChanged?.Invoke();
        }
    }

    private async Task<SolutionLoadResult> LogCheckAsync(Task<SolutionLoadResult> check, System.Diagnostics.Stopwatch clock)
    {
        var result = await check.ConfigureAwait(false);
        foreach (var warning in result.Warnings.Take(20))
            Log.Warn($"workspace: {warning}");
        StartupTimeline.Mark(StartupTimeline.ProjectsChecked);
        var verdict = result.Check switch
        {
            CacheCheck.Confirmed => "confirmed the cached projects",
            CacheCheck.Replaced => "replaced the cached projects",
            _ => "failed; the cached projects stay",
        };
        Log.Info($"MSBuild's load {verdict} ({clock.ElapsedMilliseconds} ms after the load began)");
        return result;
    }

    /// <summary>
    /// Makes Roslyn's workspace and binds the loose-files project to the framework's references on the thread pool
    /// (see <see cref="CodeWorkspace.WarmLooseFilesAsync"/>), so neither sits on `initialize`'s path nor on the first
    /// completion's: from this call until it ends, loose-file completions answer without the semantic context rather
    /// than wait for it. A failure costs only the time it would have saved: a later completion meets it and reports it.
    /// </summary>
    public async Task WarmLooseFilesAsync(CancellationToken cancellationToken)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            await Workspace.WarmLooseFilesAsync(cancellationToken).ConfigureAwait(false);
            StartupTimeline.Mark(StartupTimeline.LooseFilesWarmed);
            Log.Debug($"loose-file workspace ready in {clock.ElapsedMilliseconds} ms");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Log.Debug($"warming the loose-file workspace failed: {e.Message}");
        }
    }

    /// <summary>
    /// Files changed on disk, from a watcher (a batch: a branch switch brings thousands at once). Sources are applied
    /// here and now; a change to the project system is reported, and the host reloads the projects (with progress,
    /// which is the protocol's business). Changes outside the watched files, and build output, are ignored.
    /// </summary>
    public DiskChangeOutcome OnFilesChangedOnDisk(IReadOnlyCollection<string> paths)
    {
        var watched = paths.Where(p => WatchedFiles.IsWatched(p, WorkspaceFolders)).ToList();
        var updated = Workspace.ApplyDiskChanges([.. watched.Where(WatchedFiles.IsSource)]);
        // An untrusted workspace never evaluates a project, so its project files may change as they like.
        var projectSystemChanged = Trusted && watched.Any(WatchedFiles.IsProjectSystem);
        if (updated > 0 || projectSystemChanged)
        {
            Log.Info($"workspace: {watched.Count} watched file(s) changed on disk, {updated} document(s) updated" +
                (projectSystemChanged ? ", the projects reload" : ""));
        }
        return new DiskChangeOutcome(updated, projectSystemChanged);
    }

    public AssistStatus CurrentStatus()
    {
        var model = Models.Current;
        bool modelRequested;
        lock (_gate)
            modelRequested = _modelRequest is not null;
        var state = !Settings.Enable ? AssistState.Disabled
            // A request generating during the model's warm-up superseded it: the model is there.
            : Models.IsLoading && Volatile.Read(ref _generations) == 0 ? AssistState.LoadingModel
            : Workspace.IsLoadingProjects && model is not null ? AssistState.LoadingSolution
            : model is null ? (modelRequested ? AssistState.Error : AssistState.Starting)
            : model.Problem is not null ? AssistState.Error
            : Volatile.Read(ref _generations) > 0 ? AssistState.Generating
            : AssistState.Ready;
        var local = Models.Loaded as Inference.LanguageModel;
        return new AssistStatus(state, model?.Name, local?.Device.Device, model is null ? Models.LoadError : model.Problem ?? local?.Device.Reason)
        {
            Backend = model?.Backend ?? Settings.Backend?.Describe(),
            Languages = model is null || model.Languages.IsAll ? null : model.Languages.Ids,
        };
    }

    private void OnGenerating(bool generating)
    {
        if (generating)
            Interlocked.Increment(ref _generations);
        else
            Interlocked.Decrement(ref _generations);
        StatusChanged?.Invoke();
    }

    public void Dispose()
    {
        Models.Dispose();
        Workspace.Dispose();
    }
}
