using CodeAssist.Inference;
using CodeAssist.Inference.Devices;
using CodeAssist.Inference.Models;
using CodeAssist.Inference.Remote;

namespace CodeAssist.Engine.Models;

public enum AssistState
{
    Starting,
    LoadingModel,
    LoadingSolution,
    Ready,
    Generating,
    Error,
    Disabled,
}

/// <summary>What status UIs show: state, model, device and a sentence when something is wrong.</summary>
public sealed record AssistStatus(AssistState State, string? Model, ExecutionDevice? Device, string? Message)
{
    /// <summary>Where generation runs: "CPU", "GPU (CUDA)", or the team server ("llamacpp at https://gpu01:8080").</summary>
    public string? Backend { get; init; }

    /// <summary>The LSP language ids the model completes; null when it completes every language.</summary>
    public IReadOnlyList<string>? Languages { get; init; }
}

/// <summary>
/// Owns the loaded model. Loading happens in the background; a bad model folder is an error state with a message,
/// never a crash, and loading another model (a settings change) replaces it without restarting the server.
/// </summary>
public sealed class ModelHost(Action<string> log, Func<ITextGenerator, ITextGenerator>? wrap = null) : IDisposable
{
    private readonly Lock _gate = new();
    private Task<ITextGenerator?> _loading = Task.FromResult<ITextGenerator?>(null);
    private (string? Path, DevicePreference Device, TeamServerSettings? Backend, bool InstalledOnly) _requested;
    private volatile Task _warmUp = Task.CompletedTask;

    public string? LoadError { get; private set; }

    public event Action? StatusChanged;

    /// <summary>The model, once loaded; null while loading or after a failure.</summary>
    public ITextGenerator? Current => _loading.IsCompletedSuccessfully ? _loading.Result : null;

    /// <summary><see cref="Current"/> as loaded, under the tests' <see cref="HeldGenerations"/>: for what reads its concrete type.</summary>
    public ITextGenerator? Loaded => Current is { } current ? HeldGenerations.Unwrap(current) : null;

    /// <summary>
    /// Whether the model is loading or running its warm-up generation: the status says "loading the model" until both
    /// have ended, so a client that waits for "ready" sends its first request to a warm runtime. A request that comes
    /// during the warm-up is served (it supersedes the warm-up); see <see cref="WhenReadyAsync"/>.
    /// </summary>
    public bool IsLoading => !_loading.IsCompleted || !_warmUp.IsCompleted;

    /// <summary>Waits for a load in progress; returns null (see <see cref="LoadError"/>) when there is no usable model.</summary>
    public Task<ITextGenerator?> WhenLoadedAsync(CancellationToken cancellationToken) => _loading.WaitAsync(cancellationToken);

    /// <summary>
    /// <see cref="WhenLoadedAsync"/>, then the end of the warm-up generation after it (done, or superseded by a request):
    /// what the "model ready" progress waits for.
    /// </summary>
    public async Task<ITextGenerator?> WhenReadyAsync(CancellationToken cancellationToken)
    {
        var model = await _loading.WaitAsync(cancellationToken).ConfigureAwait(false);
        await _warmUp.WaitAsync(cancellationToken).ConfigureAwait(false);
        return model;
    }

    /// <summary>
    /// Starts loading the model unless the same one is already loaded or loading. With <paramref name="installedOnly"/>
    /// (an untrusted workspace) a local folder outside the user's models directory is refused: the workspace's
    /// settings may have named it.
    /// </summary>
    public void Load(string? path, DevicePreference device, TeamServerSettings? backend = null, bool installedOnly = false)
    {
        lock (_gate)
        {
            // The same model loading or loaded stays; a failed load is retried.
            if (_requested == (path, device, backend, installedOnly) && (!_loading.IsCompleted || Current is not null))
                return;
            _requested = (path, device, backend, installedOnly);
            var previous = _loading;
            LoadError = null;
            _loading = Task.Run(async () =>
            {
                ((await previous.ConfigureAwait(false)) as IDisposable)?.Dispose();
                var loaded = await LoadOrConnectAsync(path, device, backend, installedOnly).ConfigureAwait(false);
                if (loaded is not null && wrap is not null)
                    loaded = wrap(loaded);
                if (loaded is not null)
                {
                    loaded.ProblemChanged += () => StatusChanged?.Invoke();
                    Hosting.StartupTimeline.Mark(Hosting.StartupTimeline.ModelLoaded);
                }
                return loaded;
            });
        }
        StatusChanged?.Invoke();
        _loading.ContinueWith(_ => StatusChanged?.Invoke(), TaskScheduler.Default);
    }

    /// <summary>
    /// Which backend answers: the user's own team server (the <c>backend</c> setting or <c>--backend</c>) first; else
    /// the one the model folder's codeassist.json names (a team ships a folder that points at its server); else the
    /// folder's model, run here. An untrusted workspace's folder must be installed before its codeassist.json is even
    /// read, since the server it names would receive the code.
    /// </summary>
    private async Task<ITextGenerator?> LoadOrConnectAsync(string? path, DevicePreference device, TeamServerSettings? backend, bool installedOnly)
    {
        if (backend is not null)
            return await ConnectAsync(backend, path, device, installedOnly).ConfigureAwait(false);
        string folder;
        TeamServerSettings? declared;
        try
        {
            folder = path ?? ModelCatalog.ResolveDefault();
            if (installedOnly && !ModelsDirectory.Holds(ModelCatalog.ModelsDirectory, folder))
                throw new ModelFolderException(folder, [UntrustedModelRefusal(folder)]);
            declared = ModelFolder.DeclaredBackend(folder);
        }
        catch (Exception e) when (e is ModelFolderException or FileNotFoundException)
        {
            LoadError = e.Message;
            log($"model not loaded: {e.Message}");
            return null;
        }
        if (declared is null)
            return LoadNow(folder, device, installedOnly);
        log($"the model folder {folder} names its team server");
        // The local fallback is the folder's own model when it carries one, else the installed default.
        return await ConnectAsync(declared, ModelFolder.HasWeights(folder) ? folder : null, device, installedOnly).ConfigureAwait(false);
    }

    /// <summary>
    /// A team server: asks it once which models it serves (a fault becomes the backend's Problem, not a load error: the
    /// server may come up later, and each request tries again). With <c>fallback: "local"</c> the local model is
    /// loaded when the server first cannot be reached.
    /// </summary>
    private async Task<ITextGenerator?> ConnectAsync(TeamServerSettings backend, string? path, DevicePreference device, bool installedOnly)
    {
        try
        {
            log($"using the team server {backend.Describe()}{(backend.FallbackToLocal ? ", with the local model as fallback" : "")}");
            var remote = new RemoteModel(backend, log);
            await remote.ProbeAsync(CancellationToken.None).ConfigureAwait(false);
            log($"team server model {remote.Name} ({remote.Format.Fim?.Id ?? "no"} FIM, {remote.Format.Chat.Id} chat, window {remote.Window})" +
                (remote.Problem is { } problem ? ": " + problem : ""));
            return backend.FallbackToLocal ? new LocalFallback(remote, () => LoadNow(path, device, installedOnly)) : remote;
        }
        catch (ArgumentException e)
        {
            LoadError = e.Message;
            log($"team server not used: {e.Message}");
            return null;
        }
    }

    private LanguageModel? LoadNow(string? path, DevicePreference device, bool installedOnly)
    {
        try
        {
            var folder = path ?? ModelCatalog.ResolveDefault();
            if (installedOnly && !ModelsDirectory.Holds(ModelCatalog.ModelsDirectory, folder))
                throw new ModelFolderException(folder, [UntrustedModelRefusal(folder)]);
            log($"loading model {folder} (device {device.ToString().ToLowerInvariant()})");
            var model = LanguageModel.Load(folder, device, log);
            log($"model {model.Name} ready on {model.Device.DisplayName} ({model.Format.Fim?.Id ?? "no"} FIM, {model.Format.Chat.Id} chat)");
            var warmUp = StartWarmUp(model);
            _warmUp = warmUp;
            // Set before the load's task ends, so IsLoading never reads false between the load and the warm-up.
            warmUp.ContinueWith(_ => StatusChanged?.Invoke(), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            return model;
        }
        catch (Exception e) when (e is ModelFolderException or FileNotFoundException or InvalidOperationException or ArgumentException)
        {
            LoadError = e.Message;
            log($"model not loaded: {e.Message}");
            return null;
        }
    }

    /// <summary>
    /// Starts the model's warm-up generation (<see cref="LanguageModel.WarmUpAsync"/>) as soon as it is loaded, so that
    /// the first suggestion a user waits for finds the runtime warm; a request that comes first supersedes it.
    /// </summary>
    private Task StartWarmUp(LanguageModel model)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        return model.WarmUpAsync().ContinueWith(t =>
        {
            if (!t.IsCompletedSuccessfully || !t.Result)
                return;
            Hosting.StartupTimeline.Mark(Hosting.StartupTimeline.ModelWarmed);
            log($"model {model.Name} warmed up in {clock.ElapsedMilliseconds} ms");
        }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
    }

    /// <summary>Why an untrusted workspace may not load <paramref name="folder"/>, and the two ways on.</summary>
    public static string UntrustedModelRefusal(string folder) =>
        $"the model folder {folder} is outside the models directory {ModelCatalog.ModelsDirectory}, and this workspace is not trusted, " +
        $"so only installed models load: trust the workspace, or install the model with `codeassist model add {folder}`";

    public void Dispose()
    {
        try
        {
            (_loading.GetAwaiter().GetResult() as IDisposable)?.Dispose();
        }
        catch (Exception e)
        {
            log($"unloading the model failed: {e.Message}");
        }
    }
}
