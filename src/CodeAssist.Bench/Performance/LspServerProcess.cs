using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CodeAssist.Bench.Performance;

/// <summary>An answer from the server, with the moment its last byte was read.</summary>
internal sealed record LspResponse(JsonObject Message, long ReceivedAt)
{
    public JsonNode? Result => Message["result"];

    public string? Error => Message["error"]?["message"]?.GetValue<string>();
}

/// <summary>
/// `codeassist serve` started as a child process and spoken to exactly as an editor does: JSON-RPC framed by hand
/// over its stdin and stdout, nothing of the server's own JSON-RPC stack on this side. Requests the server makes
/// (work-done progress) are answered with null; notifications are kept for <see cref="WaitForNotificationAsync"/>.
/// </summary>
internal sealed class LspServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Stream _stdin;
    private readonly Stream _stdout;
    private readonly Dictionary<int, TaskCompletionSource<LspResponse>> _pending = [];
    private readonly List<JsonObject> _notifications = [];
    private readonly Queue<string> _stderrTail = new();
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _writeGate = new(1);
    private readonly Task _reader;
    private int _nextId;

    private LspServerProcess(Process process, long startedAt, double startedAtUnixMilliseconds)
    {
        _process = process;
        StartedAt = startedAt;
        StartedAtUnixMilliseconds = startedAtUnixMilliseconds;
        _stdin = process.StandardInput.BaseStream;
        _stdout = process.StandardOutput.BaseStream;
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
                return;
            lock (_stderrTail)
            {
                _stderrTail.Enqueue(e.Data);
                while (_stderrTail.Count > 40)
                    _stderrTail.Dequeue();
            }
        };
        process.BeginErrorReadLine();
        _reader = Task.Run(ReadLoopAsync);
    }

    /// <summary>When the process was started, on <see cref="Clock"/>.</summary>
    public long StartedAt { get; }

    /// <summary>When the process was started, as Unix milliseconds: the origin of the server's own start-up times.</summary>
    public double StartedAtUnixMilliseconds { get; }

    public int ProcessId => _process.Id;

    /// <summary>The last lines the server wrote to stderr, for error messages.</summary>
    public string StderrTail
    {
        get
        {
            lock (_stderrTail)
                return string.Join('\n', _stderrTail);
        }
    }

    /// <summary>
    /// Starts `codeassist serve`: $CODEASSIST_SERVER when it is set (the published server, as the editor tests use it),
    /// otherwise the `codeassist` built beside this tool (the bench references the server project, so one build carries
    /// both): its apphost where there is one, else the runtime with codeassist.dll.
    /// </summary>
    public static LspServerProcess Start(IEnumerable<string> serveArguments, string? serverPath = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var (executable, prefix) = serverPath is null ? ServerCommand() : CommandFor(serverPath);
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in prefix)
            start.ArgumentList.Add(argument);
        start.ArgumentList.Add("serve");
        foreach (var argument in serveArguments)
            start.ArgumentList.Add(argument);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            start.Environment[name] = value;
        // Unless the caller names one, each server gets an empty project cache of its own, so every figure but the
        // start-up timeline's cached open is a first-ever open, whatever the user's cache holds.
        TemporaryFolder? cache = null;
        if (environment?.ContainsKey(Engine.Workspace.ProjectSystemCache.FolderVariable) != true)
            start.Environment[Engine.Workspace.ProjectSystemCache.FolderVariable] = (cache = new TemporaryFolder()).Path;
        var startedAtUnix = Engine.Hosting.StartupTimeline.UnixMilliseconds(DateTimeOffset.UtcNow);
        var startedAt = Clock.Now();
        return new LspServerProcess(Process.Start(start) ?? throw new InvalidOperationException($"{executable} did not start"), startedAt, startedAtUnix)
        {
            _cache = cache,
        };
    }

    private TemporaryFolder? _cache;

    /// <summary>The server executable and the arguments that come before its command.</summary>
    public static (string Executable, IReadOnlyList<string> Prefix) ServerCommand()
    {
        if (Environment.GetEnvironmentVariable("CODEASSIST_SERVER") is { Length: > 0 } configured)
        {
            if (!File.Exists(configured))
            {
                throw new InvalidOperationException(
                    $"CODEASSIST_SERVER names {configured}, which does not exist; point it at a published codeassist executable or unset it");
            }
            return CommandFor(configured);
        }
        var apphost = Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "codeassist.exe" : "codeassist");
        if (File.Exists(apphost))
            return (apphost, []);
        var assembly = Path.Combine(AppContext.BaseDirectory, "codeassist.dll");
        if (File.Exists(assembly))
            return ("dotnet", [assembly]);
        throw new InvalidOperationException(
            $"no codeassist server beside {AppContext.BaseDirectory}; set CODEASSIST_SERVER to a published codeassist executable");
    }

    /// <summary>A published server: its executable, or the runtime with its codeassist.dll.</summary>
    public static (string Executable, IReadOnlyList<string> Prefix) CommandFor(string server) =>
        server.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) ? ("dotnet", [server]) : (server, []);

    public async Task<LspResponse> RequestAsync(string method, object? parameters, TimeSpan? timeout = null)
    {
        var (_, response) = StartRequest(method, parameters);
        try
        {
            return await response.WaitAsync(timeout ?? TimeSpan.FromMinutes(2)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"the server did not answer {method} in time; its last log lines:\n{StderrTail}");
        }
    }

    /// <summary>Sends a request without waiting for its answer (typing does not wait for suggestions).</summary>
    public (int Id, Task<LspResponse> Response) StartRequest(string method, object? parameters)
    {
        var id = Interlocked.Increment(ref _nextId);
        var completion = new TaskCompletionSource<LspResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
            _pending[id] = completion;
        var sending = SendAsync(Message(method, parameters, id));
        sending.ContinueWith(t => completion.TrySetException(t.Exception!.InnerException!), TaskContinuationOptions.OnlyOnFaulted);
        return (id, completion.Task);
    }

    public Task NotifyAsync(string method, object? parameters) => SendAsync(Message(method, parameters, id: null));

    /// <summary>A request or notification; without parameters there is no "params" member at all, as JSON-RPC asks.</summary>
    private static JsonObject Message(string method, object? parameters, int? id)
    {
        var message = new JsonObject { ["jsonrpc"] = "2.0" };
        if (id is not null)
            message["id"] = id;
        message["method"] = method;
        if (parameters is not null)
            message["params"] = parameters as JsonNode ?? JsonSerializer.SerializeToNode(parameters);
        return message;
    }

    public IReadOnlyList<JsonObject> Notifications(string method)
    {
        lock (_gate)
            return [.. _notifications.Where(n => (string?)n["method"] == method)];
    }

    public async Task<JsonObject> WaitForNotificationAsync(string method, Func<JsonObject, bool> predicate, TimeSpan timeout)
    {
        var deadline = Clock.Now() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (Clock.Now() < deadline)
        {
            if (Notifications(method).FirstOrDefault(predicate) is { } match)
                return match;
            if (_process.HasExited)
                throw new InvalidOperationException($"the server exited with code {_process.ExitCode}; its last log lines:\n{StderrTail}");
            await Task.Delay(5).ConfigureAwait(false);
        }
        throw new TimeoutException($"no matching {method} notification within {timeout.TotalSeconds:F0} s; the server's last log lines:\n{StderrTail}");
    }

    /// <summary>Peak resident memory (VmHWM) in MiB, from /proc; null where there is no /proc.</summary>
    public double? PeakResidentMiB() => ReadStatusKiB("VmHWM") / 1024.0;

    public double? ResidentMiB() => ReadStatusKiB("VmRSS") / 1024.0;

    private double? ReadStatusKiB(string field)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
            {
                if (line.StartsWith(field + ":", StringComparison.Ordinal))
                    return double.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            }
        }
        catch (IOException)
        {
        }
        return null;
    }

    public async Task ShutdownAsync()
    {
        try
        {
            await RequestAsync("shutdown", null, TimeSpan.FromSeconds(30)).ConfigureAwait(false);
            await NotifyAsync("exit", null).ConfigureAwait(false);
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            await _process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException or IOException or InvalidOperationException)
        {
            // DisposeAsync kills what did not exit.
        }
    }

    private async Task SendAsync(JsonObject message)
    {
        var body = Encoding.UTF8.GetBytes(message.ToJsonString());
        var header = Encoding.ASCII.GetBytes($"Content-Length: {body.Length}\r\n\r\n");
        await _writeGate.WaitAsync().ConfigureAwait(false);
        try
        {
            await _stdin.WriteAsync(header).ConfigureAwait(false);
            await _stdin.WriteAsync(body).ConfigureAwait(false);
            await _stdin.FlushAsync().ConfigureAwait(false);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    private async Task ReadLoopAsync()
    {
        var reader = new FrameReader(_stdout);
        try
        {
            while (await reader.ReadAsync().ConfigureAwait(false) is { } body)
            {
                var receivedAt = Clock.Now();
                var message = JsonNode.Parse(body)!.AsObject();
                if (message["id"] is { } id && message["method"] is null)
                {
                    TaskCompletionSource<LspResponse>? pending;
                    lock (_gate)
                        _pending.Remove(id.GetValue<int>(), out pending);
                    pending?.TrySetResult(new LspResponse(message, receivedAt));
                }
                else if (message["id"] is { } requestId)
                {
                    await SendAsync(new JsonObject { ["jsonrpc"] = "2.0", ["id"] = requestId.DeepClone(), ["result"] = null }).ConfigureAwait(false);
                }
                else
                {
                    message["receivedAt"] = receivedAt;
                    lock (_gate)
                        _notifications.Add(message);
                }
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or JsonException or InvalidDataException)
        {
            // The server went away; pending requests fail below.
        }
        lock (_gate)
        {
            foreach (var pending in _pending.Values)
                pending.TrySetException(new IOException($"the server closed its output; its last log lines:\n{StderrTail}"));
            _pending.Clear();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().ConfigureAwait(false);
        }
        try
        {
            await _reader.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }
        _process.Dispose();
        _writeGate.Dispose();
        _cache?.Dispose();
    }

    /// <summary>Reads Content-Length framed messages through one buffer, so a header costs no read per byte.</summary>
    private sealed class FrameReader(Stream stream)
    {
        private readonly byte[] _buffer = new byte[64 * 1024];
        private int _start, _end;

        public async Task<byte[]?> ReadAsync()
        {
            var length = -1;
            while (true)
            {
                var line = await ReadLineAsync().ConfigureAwait(false);
                if (line is null)
                    return null;
                if (line.Length == 0)
                    break;
                if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
                    length = int.Parse(line["Content-Length:".Length..].Trim(), CultureInfo.InvariantCulture);
            }
            if (length < 0)
                throw new InvalidDataException("a message header without Content-Length");
            var body = new byte[length];
            var copied = 0;
            while (copied < length)
            {
                if (_start == _end && !await FillAsync().ConfigureAwait(false))
                    return null;
                var n = Math.Min(length - copied, _end - _start);
                Array.Copy(_buffer, _start, body, copied, n);
                _start += n;
                copied += n;
            }
            return body;
        }

        private async Task<string?> ReadLineAsync()
        {
            var line = new StringBuilder();
            while (true)
            {
                if (_start == _end && !await FillAsync().ConfigureAwait(false))
                    return null;
                var c = (char)_buffer[_start++];
                if (c == '\n')
                    return line.ToString().TrimEnd('\r');
                line.Append(c);
            }
        }

        private async Task<bool> FillAsync()
        {
            _start = 0;
            _end = await stream.ReadAsync(_buffer).ConfigureAwait(false);
            return _end > 0;
        }
    }
}
