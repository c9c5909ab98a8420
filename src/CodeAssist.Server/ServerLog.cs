using CodeAssist.Engine.Hosting;
using CodeAssist.Server.Protocol;
using StreamJsonRpc;

namespace CodeAssist.Server;

public enum LogLevel
{
    Trace,
    Debug,
    Info,
    Warn,
    Error,
}

/// <summary>
/// The server's log: stderr always, and window/logMessage once a client listens. Stdout belongs to the protocol. Lines
/// written before the connection exists (StreamJsonRpc is built after `initialize` is answered) are sent when it is
/// attached, the first <see cref="EarlyLines"/> of them.
/// </summary>
public sealed class ServerLog(LogLevel threshold) : IEngineLog
{
    private const int EarlyLines = 200;

    private readonly Lock _gate = new();
    private JsonRpc? _client;
    private List<(LogLevel Level, string Message)>? _early = [];

    /// <summary>Sends every later line to <paramref name="client"/> too, after the lines written before it came.</summary>
    public void AttachClient(JsonRpc client)
    {
        List<(LogLevel Level, string Message)>? early;
        lock (_gate)
        {
            _client = client;
            early = _early;
            _early = null;
        }
        foreach (var (level, message) in early ?? [])
            Send(client, level, message);
    }

    public void Trace(string message) => Write(LogLevel.Trace, message);
    public void Debug(string message) => Write(LogLevel.Debug, message);
    public void Info(string message) => Write(LogLevel.Info, message);
    public void Warn(string message) => Write(LogLevel.Warn, message);
    public void Error(string message) => Write(LogLevel.Error, message);

    public void Write(LogLevel level, string message)
    {
        if (level < threshold)
            return;
        var line = $"[{DateTime.Now:HH:mm:ss.fff} {level.ToString().ToLowerInvariant()}] {message}";
        Console.Error.WriteLine(line);
        var client = _client;
        if (client is null)
        {
            lock (_gate)
            {
                client = _client;
                if (client is null)
                {
                    if (_early is { Count: < EarlyLines })
                        _early.Add((level, message));
                    return;
                }
            }
        }
        Send(client, level, message);
    }

    private static void Send(JsonRpc client, LogLevel level, string message)
    {
        if (client.IsDisposed)
            return;
        var type = level switch
        {
            LogLevel.Error => MessageType.Error,
            LogLevel.Warn => MessageType.Warning,
            LogLevel.Info => MessageType.Info,
            _ => MessageType.Log,
        };
        _ = client.NotifyWithParameterObjectAsync("window/logMessage", new LogMessageParams(type, message)).ContinueWith(
            static t => _ = t.Exception, TaskContinuationOptions.OnlyOnFaulted);
    }

    public static LogLevel Parse(string? value) => value?.ToLowerInvariant() switch
    {
        "trace" => LogLevel.Trace,
        "debug" => LogLevel.Debug,
        null or "" or "info" => LogLevel.Info,
        "warn" or "warning" => LogLevel.Warn,
        "error" => LogLevel.Error,
        _ => throw new ArgumentException($"unknown log level \"{value}\"; use trace, debug, info, warn or error"),
    };
}
