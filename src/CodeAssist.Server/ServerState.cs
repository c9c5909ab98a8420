using CodeAssist.Engine;
using CodeAssist.Engine.Completion;
using CodeAssist.Engine.Context;
using CodeAssist.Engine.Documents;
using CodeAssist.Engine.Models;
using CodeAssist.Engine.Workspace;
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

    public ServerState(ServerLog log, AssistSettings settings)
    {
        Log = log;
        _settings = settings;
        Documents = new DocumentStore();
        Workspace = new CodeWorkspace();
        Models = new ModelHost(log.Info);
        ContextBuilder = new ContextBuilder(Workspace, ContextSources.Default(Documents));
        Completion = new InlineCompletionEngine(Documents, ContextBuilder, Models, () => Settings, () => WorkspaceRoot);
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
        else
            PublishStatus();
    }

    public void LoadModel()
    {
        var settings = Settings;
        Models.Load(settings.ModelPath, DeviceSelection.ParsePreference(settings.Device));
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
            : model is null ? (Initialized ? AssistState.Error : AssistState.Starting)
            : _override ?? AssistState.Ready;
        return new AssistStatus(state, model?.Name, model?.Device.Device, model is null ? Models.LoadError : model.Device.Reason);
    }

    public void PublishStatus() => PublishStatus(_override);

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
            status.Message);
        _ = client.NotifyWithParameterObjectAsync(CodeAssistMethods.Status, parameters).ContinueWith(
            static t => _ = t.Exception, TaskContinuationOptions.OnlyOnFaulted);
    }

    public void Dispose()
    {
        Models.Dispose();
        Workspace.Dispose();
    }
}
