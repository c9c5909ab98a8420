using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CodeAssist.Server.Tests;

/// <summary>
/// A minimal LSP client that starts the real `codeassist serve` process and frames JSON-RPC by hand over its stdio,
/// so the tests exercise exactly what an editor sees (and nothing of the server's own JSON-RPC stack).
/// </summary>
public sealed class LspProcessClient : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Stream _stdin;
    private readonly Stream _stdout;
    private readonly StringBuilder _stderr = new();
    private readonly Dictionary<int, TaskCompletionSource<JsonObject>> _pending = [];
    private readonly List<JsonObject> _notifications = [];
    private readonly Lock _gate = new();
    private readonly Task _reader;
    private int _nextId;

    private LspProcessClient(Process process)
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

    /// <summary>Requests the server sent to the client (workspace/applyEdit, window/workDoneProgress/create), answered with null.</summary>
    public List<JsonObject> ServerRequests { get; } = [];

    public Func<JsonObject, JsonNode?> ServerRequestHandler { get; set; } = _ => null;

    public string Stderr
    {
        get
        {
            lock (_stderr)
                return _stderr.ToString();
        }
    }

    public Process Process => _process;

    /// <summary>Runs a `codeassist` command line to its end and returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunCliAsync(string[] arguments)
    {
        var start = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "codeassist.dll"));
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = System.Diagnostics.Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        // The command's exit is the event waited for; HangGuard only tells a hang from a loaded machine (a 3-minute
        // guard was passed by `refactor`'s project load and generation at load 75 on two cores).
        using var timeout = new CancellationTokenSource(HangGuard);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"codeassist {string.Join(' ', arguments)} did not exit within {HangGuard.TotalMinutes} minutes; its stderr: {await stderr}");
        }
        return (process.ExitCode, await stdout, await stderr);
    }

    public static LspProcessClient Start(params string[] arguments) => Start(new Dictionary<string, string>(), arguments);

    /// <summary>Starts the server with <paramref name="environment"/> added to this process's (CODEASSIST_MODELS_DIR, for one).</summary>
    public static LspProcessClient Start(IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var server = Path.Combine(AppContext.BaseDirectory, "codeassist.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in environment)
            start.Environment[name] = value;
        start.ArgumentList.Add(server);
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        return new LspProcessClient(Process.Start(start)!);
    }

    public async Task<JsonObject> RequestAsync(string method, object? parameters, TimeSpan? timeout = null)
    {
        var id = Interlocked.Increment(ref _nextId);
        var completion = new TaskCompletionSource<JsonObject>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
            _pending[id] = completion;
        await SendAsync(new { jsonrpc = "2.0", id, method, @params = parameters });
        return await completion.Task.WaitAsync(timeout ?? HangGuard);
    }

    /// <summary>Sends a request and returns its id without waiting (for cancellation tests).</summary>
    public (int Id, Task<JsonObject> Response) StartRequest(string method, object? parameters)
    {
        var id = Interlocked.Increment(ref _nextId);
        var completion = new TaskCompletionSource<JsonObject>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
            _pending[id] = completion;
        _ = SendAsync(new { jsonrpc = "2.0", id, method, @params = parameters });
        return (id, completion.Task);
    }

    public Task NotifyAsync(string method, object? parameters) => SendAsync(new { jsonrpc = "2.0", method, @params = parameters });

    public async Task SendAsync(object message) => await SendRawAsync(JsonSerializer.SerializeToUtf8Bytes(message));

    private readonly SemaphoreSlim _writeGate = new(1);

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

    public async Task<JsonObject> InitializeAsync(string? rootPath = null, object? initializationOptions = null)
    {
        var result = await RequestAsync("initialize", new
        {
            processId = Environment.ProcessId,
            clientInfo = new { name = "codeassist-tests" },
            rootUri = rootPath is null ? null : new Uri(rootPath).AbsoluteUri,
            capabilities = new { },
            initializationOptions = WithPatientDeadline(initializationOptions),
        });
        await NotifyAsync("initialized", new { });
        return result;
    }

    /// <summary>
    /// How long a request or an awaited notification may take before the test calls it a hang. Not a measure of
    /// speed: with seven other engineers' builds on two cores, a cold Roslyn request took over a minute.
    /// </summary>
    internal static readonly TimeSpan HangGuard = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The options with a generation deadline no loaded machine reaches, unless the test sets one: a 3-second cap,
    /// the prompt's processing included, cut the first (cold) generations short when seven other engineers' builds
    /// had the CPU, and an exact-text test then saw a shorter or empty suggestion.
    /// </summary>
    internal static JsonObject WithPatientDeadline(object? initializationOptions)
    {
        var options = initializationOptions is null ? new JsonObject() : JsonSerializer.SerializeToNode(initializationOptions) as JsonObject ?? new JsonObject();
        options.TryAdd("generationDeadlineMs", 600_000);
        return options;
    }

    public Task OpenAsync(string path, string text, string languageId = "csharp", int version = 1) =>
        NotifyAsync("textDocument/didOpen", new { textDocument = new { uri = new Uri(path).AbsoluteUri, languageId, version, text } });

    public IReadOnlyList<JsonObject> Notifications(string method)
    {
        lock (_gate)
            return [.. _notifications.Where(n => (string?)n["method"] == method)];
    }

    /// <summary>Waits until the server's stderr (its log) has a line containing <paramref name="text"/>.</summary>
    public async Task WaitForLogAsync(string text, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (!Stderr.Contains(text, StringComparison.Ordinal))
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"the server never logged \"{text}\"; stderr:\n{Stderr}");
            await Task.Delay(20);
        }
    }

    public async Task<JsonObject> WaitForNotificationAsync(string method, Func<JsonObject, bool> predicate, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? HangGuard);
        while (DateTime.UtcNow < deadline)
        {
            var match = Notifications(method).FirstOrDefault(predicate);
            if (match is not null)
                return match;
            await Task.Delay(20);
        }
        throw new TimeoutException($"no {method} notification matched; stderr:\n{Stderr}");
    }

    private async Task ReadLoopAsync()
    {
        try
        {
            while (true)
            {
                var length = await ReadHeaderAsync();
                if (length < 0)
                    return;
                var body = new byte[length];
                await _stdout.ReadExactlyAsync(body);
                var message = JsonNode.Parse(body)!.AsObject();
                if (message["id"] is { } id && message["method"] is null)
                {
                    TaskCompletionSource<JsonObject>? pending;
                    lock (_gate)
                        _pending.Remove(id.GetValue<int>(), out pending);
                    pending?.TrySetResult(message);
                }
                else if (message["id"] is { } requestId)
                {
                    lock (_gate)
                        ServerRequests.Add(message);
                    var reply = new JsonObject { ["jsonrpc"] = "2.0", ["id"] = requestId.DeepClone(), ["result"] = ServerRequestHandler(message) };
                    await SendRawAsync(Encoding.UTF8.GetBytes(reply.ToJsonString()));
                }
                else
                {
                    lock (_gate)
                        _notifications.Add(message);
                }
            }
        }
        catch (Exception) when (_process.HasExited)
        {
        }
    }

    private async Task<int> ReadHeaderAsync()
    {
        var header = new StringBuilder();
        var buffer = new byte[1];
        while (!header.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            if (await _stdout.ReadAsync(buffer) == 0)
                return -1;
            header.Append((char)buffer[0]);
        }
        foreach (var line in header.ToString().Split("\r\n"))
            if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
                return int.Parse(line["Content-Length:".Length..].Trim());
        throw new InvalidDataException($"header without Content-Length: {header}");
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
        catch (Exception)
        {
        }
        _process.Dispose();
    }
}
