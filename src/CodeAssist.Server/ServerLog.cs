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
/// The server's log: stderr always, and window/logMessage once a client listens. Stdout belongs to the protocol.
/// </summary>
public sealed class ServerLog(LogLevel threshold) : IEngineLog
{
    private JsonRpc? _client;

    public void AttachClient(JsonRpc client) => _client = client;

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
        if (client is null || client.IsDisposed)
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
