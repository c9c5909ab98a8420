using CodeAssist.Inference;
using CodeAssist.Inference.Devices;
using CodeAssist.Inference.Models;

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
public sealed record AssistStatus(AssistState State, string? Model, ExecutionDevice? Device, string? Message);

/// <summary>
/// Owns the loaded model. Loading happens in the background; a bad model folder is an error state with a message,
/// never a crash, and loading another model (a settings change) replaces it without restarting the server.
/// </summary>
public sealed class ModelHost(Action<string> log) : IDisposable
{
    private readonly Lock _gate = new();
    private Task<ITextGenerator?> _loading = Task.FromResult<ITextGenerator?>(null);
    private (string? Path, DevicePreference Device) _requested;

    public string? LoadError { get; private set; }

    public event Action? StatusChanged;

    /// <summary>The model, once loaded; null while loading or after a failure.</summary>
    public ITextGenerator? Current => _loading.IsCompletedSuccessfully ? _loading.Result : null;

    public bool IsLoading => !_loading.IsCompleted;

    /// <summary>Waits for a load in progress; returns null (see <see cref="LoadError"/>) when there is no usable model.</summary>
    public Task<ITextGenerator?> WhenLoadedAsync(CancellationToken cancellationToken) => _loading.WaitAsync(cancellationToken);

    /// <summary>Starts loading the model unless the same one is already loaded or loading.</summary>
    public void Load(string? path, DevicePreference device)
    {
        lock (_gate)
        {
            // The same model loading or loaded stays; a failed load is retried.
            if (_requested == (path, device) && (!_loading.IsCompleted || Current is not null))
                return;
            _requested = (path, device);
            var previous = _loading;
            LoadError = null;
            _loading = Task.Run(async () =>
            {
                ((await previous.ConfigureAwait(false)) as IDisposable)?.Dispose();
                return (ITextGenerator?)LoadNow(path, device);
            });
        }
        StatusChanged?.Invoke();
        _loading.ContinueWith(_ => StatusChanged?.Invoke(), TaskScheduler.Default);
    }

    private LanguageModel? LoadNow(string? path, DevicePreference device)
    {
        try
        {
            var folder = path ?? ModelCatalog.ResolveDefault();
            log($"loading model {folder} (device {device.ToString().ToLowerInvariant()})");
            var model = LanguageModel.Load(folder, device, log);
            log($"model {model.Name} ready on {model.Device.DisplayName} ({model.Format.Fim?.Id ?? "no"} FIM, {model.Format.Chat.Id} chat)");
            return model;
        }
        catch (Exception e) when (e is ModelFolderException or FileNotFoundException or InvalidOperationException or ArgumentException)
        {
            LoadError = e.Message;
            log($"model not loaded: {e.Message}");
            return null;
        }
    }

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
