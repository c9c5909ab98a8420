using CodeAssist.Engine;
using CodeAssist.Engine.Completion;
using CodeAssist.Engine.Context;
using CodeAssist.Engine.Documents;
using CodeAssist.Engine.Models;
using CodeAssist.Engine.Refactoring;
using CodeAssist.Engine.Workspace;
using CodeAssist.Server.Handlers;
using CodeAssist.Inference.Devices;
using CodeAssist.Server.Protocol;
using StreamJsonRpc;

namespace CodeAssist.Server;

/// <summary>
/// Everything the handlers share: the engine's components and the protocol state (initialized, shut down, settings).
/// Handlers convert between LSP types and engine terms; only they know the protocol.
/// </summary>
public sealed class ServerState : IDisposable
{
    private readonly Lock _settingsGate = new();
    private AssistSettings _settings;

    public ServerState(ServerLog log, AssistSettings settings, bool semanticContext = true)
    {
        Log = log;
        _settings = settings;
        Documents = new DocumentStore();
        Workspace = new CodeWorkspace();
        Models = new ModelHost(log.Info);
        ContextBuilder = new ContextBuilder(Workspace, semanticContext ? ContextSources.Default(Documents) : ContextSources.TextOnly(Documents));
        Completion = new InlineCompletionEngine(Documents, ContextBuilder, Models, () => Settings, () => WorkspaceRoot);
        Refactorings = new RefactoringEngine(Workspace, Models);
        Refactorings.Generated += Completion.Stats.Generated;
        Refactorings.Generating += generating => PublishStatus(generating ? AssistState.Generating : null);
        Documents.Changed += Workspace.Update;
        Documents.Closed += uri =>
        {
            if (uri.IsFile)
                Workspace.Close(uri.LocalPath);
            Completion.Cache.Forget(uri);
        };
        Models.StatusChanged += PublishStatus;
        Completion.Generating += generating => PublishStatus(generating ? AssistState.Generating : null);
    }

    public ServerLog Log { get; }
    public DocumentStore Documents { get; }
    public CodeWorkspace Workspace { get; }
    public ModelHost Models { get; }
    public ContextBuilder ContextBuilder { get; }
    public InlineCompletionEngine Completion { get; }
    public RefactoringEngine Refactorings { get; }
    public JsonRpc? Client { get; set; }

    public bool Initialized { get; set; }
    public bool ShutdownRequested { get; set; }
    public string? WorkspaceRoot { get; set; }
    public IReadOnlyList<string> WorkspaceFolders { get; set; } = [];

    /// <summary>Set when a client said `exit`; the value is the process exit code.</summary>
    public TaskCompletionSource<int> Exit { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public AssistSettings Settings
    {
        get
        {
            lock (_settingsGate)
                return _settings;
        }
    }

    /// <summary>Replaces the settings and (re)loads the model they name when that changed.</summary>
    public void ApplySettings(AssistSettings settings)
    {
        lock (_settingsGate)
            _settings = settings;
        if (Initialized)
            LoadModel();
        PublishStatus();
    }

    private (string? Path, string Device, Inference.Remote.TeamServerSettings? Backend) _modelRequest;

    public void LoadModel()
    {
        var settings = Settings;
        // Suggestions cached from another model must not answer for the new one.
        if (_modelRequest != (settings.ModelPath, settings.Device, settings.Backend))
            Completion.Cache.Clear();
        _modelRequest = (settings.ModelPath, settings.Device, settings.Backend);
        Models.Load(settings.ModelPath, DeviceSelection.ParsePreference(settings.Device), settings.Backend);
    }

    /// <summary>Requests before initialize get ServerNotInitialized, as the specification says.</summary>
    public void EnsureInitialized()
    {
        if (!Initialized)
            throw new LocalRpcException("the server is not initialized; send initialize first") { ErrorCode = LspErrorCodes.ServerNotInitialized };
    }

    private AssistState? _override;

    public AssistStatus CurrentStatus()
    {
        var model = Models.Current;
        var state = !Settings.Enable ? AssistState.Disabled
            : Models.IsLoading ? AssistState.LoadingModel
            : Workspace.IsLoadingProjects && model is not null ? AssistState.LoadingSolution
            : model is null ? (Initialized ? AssistState.Error : AssistState.Starting)
            : model.Problem is not null ? AssistState.Error
            : _override ?? AssistState.Ready;
        var local = model as Inference.LanguageModel;
        return new AssistStatus(state, model?.Name, local?.Device.Device, model is null ? Models.LoadError : model.Problem ?? local?.Device.Reason)
        {
            Backend = model?.Backend ?? Settings.Backend?.Describe(),
        };
    }

    public void PublishStatus() => PublishStatus(_override);

    /// <summary>
    /// Loads the solution or projects under the workspace folders in the background, reporting LSP work-done
    /// progress. Completion works on loose files meanwhile; a failed load is a warning.
    /// </summary>
    public async Task LoadWorkspaceAsync(CancellationToken cancellationToken)
    {
        var projectSystem = SolutionLoader.FindProjectSystem(WorkspaceFolders);
        if (projectSystem.Count == 0)
        {
            Log.Info("no solution or project file under the workspace folders; C# files are read as loose files");
            return;
        }
        using var progress = await WorkDoneProgress.StartAsync(Client, "CodeAssist: loading " + string.Join(", ", projectSystem.Select(Path.GetFileName)), Log).ConfigureAwait(false);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            var loading = Workspace.LoadProjectsAsync(projectSystem, new Progress<SolutionLoadProgress>(p => progress.Report(p.Message, p.Percentage)), cancellationToken);
            PublishStatus();
            var result = await loading.ConfigureAwait(false);
            foreach (var warning in result.Warnings.Take(20))
                Log.Warn($"workspace: {warning}");
            var projects = result.Solution?.ProjectIds.Count ?? 0;
            Log.Info($"loaded {projects} project(s) from {string.Join(", ", result.LoadedFrom)} in {clock.ElapsedMilliseconds} ms");
            progress.End($"{projects} project(s) loaded");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Log.Warn($"the solution did not load ({e.Message}); completions use loose files");
            progress.End("solution not loaded");
        }
        finally
        {
            PublishStatus();
        }
    }

    private void PublishStatus(AssistState? overrideState)
    {
        _override = overrideState;
        var client = Client;
        if (client is null || client.IsDisposed || !Initialized)
            return;
        var status = CurrentStatus();
        var parameters = new StatusParams(
            char.ToLowerInvariant(status.State.ToString()[0]) + status.State.ToString()[1..],
            status.Model,
            status.Device?.ToString().ToLowerInvariant(),
            status.Message)
        {
            Backend = status.Backend,
        };
        _ = client.NotifyWithParameterObjectAsync(CodeAssistMethods.Status, parameters).ContinueWith(
            static t => _ = t.Exception, TaskContinuationOptions.OnlyOnFaulted);
    }

    public void Dispose()
    {
        Models.Dispose();
        Workspace.Dispose();
    }
}
