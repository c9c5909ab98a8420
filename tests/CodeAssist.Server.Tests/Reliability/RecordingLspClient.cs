using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CodeAssist.Server.Tests.Reliability;

/// <summary>
/// An LSP client over the real `codeassist serve` process that records every frame the server writes and checks that
/// stdout carries nothing but protocol: each frame is a Content-Length header and a JSON-RPC 2.0 object. Unlike
/// <see cref="LspProcessClient"/> it tolerates any ids (fuzzing sends duplicates, strings and nulls) and never stops
/// reading on a bad frame; it records the violation for the test to assert on.
/// </summary>
public sealed class RecordingLspClient : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Stream _stdin;
    private readonly Stream _stdout;
    private readonly StringBuilder _stderr = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource<JsonObject>> _pending = new();
    private readonly ConcurrentQueue<JsonObject> _messages = new();
    private readonly ConcurrentQueue<string> _violations = new();
    private readonly SemaphoreSlim _writeGate = new(1);
    private readonly Task _reader;
    private long _nextId = 1_000_000_000;
    private long _stdoutBytes;

    private RecordingLspClient(Process process)
    {
        _process = process;
        _stdin = process.StandardInput.BaseStream;
        _stdout = process.StandardOutput.BaseStream;
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
                lock (_stderr)
                    _stderr.AppendLine(e.Data);
        };
        process.BeginErrorReadLine();
        _reader = Task.Run(ReadLoopAsync);
    }

    public Process Process => _process;

    public string Stderr
    {
        get
        {
            lock (_stderr)
                return _stderr.ToString();
        }
    }

    /// <summary>Everything on stdout that was not a well-formed LSP frame holding a JSON-RPC 2.0 object.</summary>
    public IReadOnlyList<string> Violations => [.. _violations];

    /// <summary>Every message the server wrote, in order.</summary>
    public IReadOnlyList<JsonObject> Messages => [.. _messages];

    public long StdoutBytes => Interlocked.Read(ref _stdoutBytes);

    /// <summary>Responses (no method) the server wrote, including those to ids the test did not track.</summary>
    public IReadOnlyList<JsonObject> Responses => [.. _messages.Where(m => m["method"] is null)];

    public IReadOnlyList<JsonObject> Notifications(string method) => [.. _messages.Where(m => (string?)m["method"] == method && m["id"] is null)];

    /// <summary>Starts `codeassist serve` with the arguments; <paramref name="wrapper"/> runs it under another program (unshare -n).</summary>
    public static RecordingLspClient Start(string[] arguments, string[]? wrapper = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var server = Path.Combine(AppContext.BaseDirectory, "codeassist.dll");
        var command = (wrapper ?? []).Concat(["dotnet", server]).ToArray();
        var start = new ProcessStartInfo(command[0])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in command.Skip(1).Concat(arguments))
            start.ArgumentList.Add(argument);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            start.Environment[name] = value;
        return new RecordingLspClient(Process.Start(start)!);
    }

    public static RecordingLspClient Serve(string modelPath, params string[] extra) => Start(["serve", "--model", modelPath, .. extra]);

    public async Task<JsonObject> RequestAsync(string method, object? parameters, TimeSpan? timeout = null)
    {
        var (_, response) = StartRequest(method, parameters);
        return await response.WaitAsync(timeout ?? LspProcessClient.HangGuard);
    }

    public (long Id, Task<JsonObject> Response) StartRequest(string method, object? parameters)
    {
        var id = Interlocked.Increment(ref _nextId);
        var completion = Track(id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        _ = SendAsync(new { jsonrpc = "2.0", id, method, @params = parameters });
        return (id, completion);
    }

    /// <summary>Waits for the answer to an id the test chose itself (in JSON text: 5 or "abc").</summary>
    public Task<JsonObject> Track(string idJson)
    {
        var completion = new TaskCompletionSource<JsonObject>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[idJson] = completion;
        return completion.Task;
    }

    public Task NotifyAsync(string method, object? parameters) => SendAsync(new { jsonrpc = "2.0", method, @params = parameters });

    public Task SendAsync(object message) => SendRawAsync(JsonSerializer.SerializeToUtf8Bytes(message));

    /// <summary>Writes bytes as they are: with a correct header unless <paramref name="header"/> says otherwise ("" for none).</summary>
    public async Task SendRawAsync(byte[] body, string? header = null)
    {
        await _writeGate.WaitAsync();
        try
        {
            await _stdin.WriteAsync(Encoding.ASCII.GetBytes(header ?? $"Content-Length: {body.Length}\r\n\r\n"));
            await _stdin.WriteAsync(body);
            await _stdin.FlushAsync();
        }
        finally
        {
            _writeGate.Release();
        }
    }

    public void CloseStdin() => _stdin.Close();

    /// <summary>Initializes; <paramref name="capabilities"/> replaces the default (work-done progress only).</summary>
    public async Task<JsonObject> InitializeAsync(string? rootPath = null, object? initializationOptions = null, object? capabilities = null)
    {
        var result = await RequestAsync("initialize", new
        {
            processId = Environment.ProcessId,
            clientInfo = new { name = "codeassist-reliability-tests" },
            rootUri = rootPath is null ? null : new Uri(rootPath).AbsoluteUri,
            capabilities = capabilities ?? new { window = new { workDoneProgress = true } },
            initializationOptions = LspProcessClient.WithPatientDeadline(initializationOptions),
        });
        await NotifyAsync("initialized", new { });
        return result;
    }

    public Task OpenAsync(string path, string text, string languageId = "csharp", int version = 1) =>
        NotifyAsync("textDocument/didOpen", new { textDocument = new { uri = new Uri(path).AbsoluteUri, languageId, version, text } });

    public async Task<JsonObject> WaitForNotificationAsync(string method, Func<JsonObject, bool> predicate, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? LspProcessClient.HangGuard);
        while (DateTime.UtcNow < deadline)
        {
            var match = Notifications(method).FirstOrDefault(predicate);
            if (match is not null)
                return match;
            if (_process.HasExited)
                break;
            await Task.Delay(20);
        }
        throw new TimeoutException($"no {method} notification matched; stderr:\n{Stderr}");
    }

    /// <summary>The first request of <paramref name="method"/> the server sent (client/registerCapability, workspace/applyEdit).</summary>
    public async Task<JsonObject> WaitForServerRequestAsync(string method, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? LspProcessClient.HangGuard);
        while (DateTime.UtcNow < deadline)
        {
            var match = Messages.FirstOrDefault(m => (string?)m["method"] == method && m["id"] is not null);
            if (match is not null)
                return match;
            if (_process.HasExited)
                break;
            await Task.Delay(20);
        }
        throw new TimeoutException($"no {method} request from the server; stderr:\n{Stderr}");
    }

    public Task<JsonObject> WaitForStatusAsync(string state, TimeSpan? timeout = null) =>
        WaitForNotificationAsync("codeAssist/status", n => (string?)n["params"]?["state"] == state, timeout);

    /// <summary>The latest codeAssist/status the server sent.</summary>
    public JsonObject? LastStatus => Notifications("codeAssist/status").LastOrDefault();

    /// <summary>Resident memory of the server process in KiB, from /proc/PID/status.</summary>
    public long ResidentKiB()
    {
        foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture);
        throw new InvalidOperationException("no VmRSS in /proc status");
    }

    public async Task<int> ShutdownAndExitAsync()
    {
        await RequestAsync("shutdown", null);
        await NotifyAsync("exit", null);
        return await WaitForExitAsync(LspProcessClient.HangGuard);
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancel.Token);
        return _process.ExitCode;
    }

    /// <summary>Waits until stdout has ended and every frame on it has been checked.</summary>
    public Task DrainAsync(TimeSpan timeout) => _reader.WaitAsync(timeout);

    private async Task ReadLoopAsync()
    {
        var header = new List<byte>();
        var one = new byte[1];
        try
        {
            while (true)
            {
                header.Clear();
                while (header.Count < 4 || header[^4] != '\r' || header[^3] != '\n' || header[^2] != '\r' || header[^1] != '\n')
                {
                    if (await _stdout.ReadAsync(one) == 0)
                    {
                        if (header.Count > 0)
                            _violations.Enqueue($"stdout ended inside a header: {Encoding.UTF8.GetString([.. header])}");
                        return;
                    }
                    header.Add(one[0]);
                    if (header.Count > 1024)
                    {
                        _violations.Enqueue($"not a header: {Encoding.UTF8.GetString([.. header])[..200]}");
                        return;
                    }
                }
                Interlocked.Add(ref _stdoutBytes, header.Count);
                var text = Encoding.ASCII.GetString([.. header]);
                var lines = text.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
                var lengthLine = lines.FirstOrDefault(l => l.StartsWith("Content-Length: ", StringComparison.Ordinal));
                if (lengthLine is null || !int.TryParse(lengthLine["Content-Length: ".Length..], out var length) || lines.Any(l => !l.StartsWith("Content-", StringComparison.Ordinal)))
                {
                    _violations.Enqueue($"not an LSP header: {text}");
                    return;
                }
                var body = new byte[length];
                await _stdout.ReadExactlyAsync(body);
                Interlocked.Add(ref _stdoutBytes, length);
                JsonObject message;
                try
                {
                    message = JsonNode.Parse(body)!.AsObject();
                }
                catch (Exception e) when (e is JsonException or InvalidOperationException or NullReferenceException)
                {
                    _violations.Enqueue($"a frame that is not a JSON object ({e.Message}): {Encoding.UTF8.GetString(body)[..Math.Min(200, body.Length)]}");
                    continue;
                }
                if ((string?)message["jsonrpc"] != "2.0")
                    _violations.Enqueue($"a message without jsonrpc 2.0: {message.ToJsonString()}");
                var isResponse = message["method"] is null;
                if (isResponse && (message.ContainsKey("result") == message.ContainsKey("error") || !message.ContainsKey("id")))
                    _violations.Enqueue($"a response that is not exactly one of result and error with an id: {message.ToJsonString()}");
                _messages.Enqueue(message);
                if (isResponse)
                {
                    var key = message["id"]?.ToJsonString() ?? "null";
                    if (_pending.TryRemove(key, out var pending))
                        pending.TrySetResult(message);
                }
                else if (message["id"] is { } requestId)
                {
                    // The server's own requests (work done progress, applyEdit) get an empty success.
                    var reply = new JsonObject { ["jsonrpc"] = "2.0", ["id"] = requestId.DeepClone(), ["result"] = null };
                    _ = SendRawAsync(Encoding.UTF8.GetBytes(reply.ToJsonString())).ContinueWith(t => _ = t.Exception, TaskScheduler.Default);
                }
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or EndOfStreamException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        try
        {
            await _reader.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (TimeoutException)
        {
        }
        _process.Dispose();
    }
}
