using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CodeAssist.TestSupport;

/// <summary>
/// The one LSP client of the tests: JSON-RPC framed by hand, so the tests see exactly what an editor sees and nothing of
/// the server's own JSON-RPC stack. It talks to the real `codeassist serve` process over stdio
/// (<see cref="Start(string[], string[], IReadOnlyDictionary{string, string})"/>) or to a server in the test process over
/// in-memory streams (<see cref="Connect"/>). It records every frame the server
/// writes and checks that the stream carries nothing but protocol (a Content-Length header and a JSON-RPC 2.0 object);
/// it tolerates any ids (fuzzing sends duplicates, strings and nulls) and never stops reading on a bad frame, recording
/// the violation for the test to assert on. Requests the server makes are answered by <see cref="ServerRequestHandler"/>.
/// Waiting is on events: every message that arrives wakes the waiters, nothing polls.
/// </summary>
public sealed class LspTestClient : IAsyncDisposable
{
    private readonly Process? _process;
    private readonly Stream _toServer;
    private readonly Stream _fromServer;
    private readonly Func<string> _log;
    private readonly Func<TimeSpan, Task<int>> _exited;
    private readonly Func<ValueTask>? _disposeServer;
    private readonly StringBuilder _stderr = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource<JsonObject>> _pending = new();
    private readonly List<JsonObject> _messages = [];
    private readonly List<JsonObject> _serverRequests = [];
    private readonly ConcurrentQueue<string> _violations = new();
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _writeGate = new(1);
    private readonly Task _reader;
    private TaskCompletionSource _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _nextId = 1_000_000_000;
    private long _bytesRead;

    private LspTestClient(Stream toServer, Stream fromServer, Process? process, Func<string>? log, Func<TimeSpan, Task<int>>? exited,
        Func<ValueTask>? disposeServer = null)
    {
        _process = process;
        _disposeServer = disposeServer;
        _toServer = toServer;
        _fromServer = fromServer;
        _log = log ?? (() => Stderr);
        _exited = exited ?? WaitForProcessExitAsync;
        if (process is not null)
        {
            process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is not null)
                {
                    lock (_stderr)
                        _stderr.AppendLine(e.Data);
                    Pulse();
                }
            };
            process.BeginErrorReadLine();
        }
        _reader = Task.Run(ReadLoopAsync);
    }

    /// <summary>
    /// The server under test as a command line: <c>$CODEASSIST_SERVER</c> when it names an executable file — tests/run.sh
    /// publishes the server from the tree it just built, ReadyToRun as install.sh does, and the editors' suites start
    /// that one too, so no test process pays to JIT the server again — otherwise codeassist.dll from the test's output
    /// folder, where the server project's reference puts it, run by dotnet.
    /// </summary>
    public static IReadOnlyList<string> ServerCommand { get; } = Environment.GetEnvironmentVariable("CODEASSIST_SERVER") is { Length: > 0 } published
        && File.Exists(published)
            ? [published]
            : ["dotnet", Path.Combine(AppContext.BaseDirectory, "codeassist.dll")];

    /// <summary>
    /// Starts `codeassist serve` (or another command) as <see cref="ServerCommand"/>; <paramref name="wrapper"/> runs it
    /// under another program (unshare -n, strace).
    /// </summary>
    public static LspTestClient Start(string[] arguments, string[]? wrapper = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var command = (wrapper ?? []).Concat(ServerCommand).ToArray();
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
        // The project-system cache of a served process is a folder of its own (deleted with the client) unless the test
        // names one: never the user's, and never another test's.
        string? cache = null;
        if (!start.Environment.TryGetValue(CacheFolderVariable, out var named) || string.IsNullOrEmpty(named))
            start.Environment[CacheFolderVariable] = cache = Directory.CreateTempSubdirectory("codeassist-cache-").FullName;
        var process = Process.Start(start)!;
        return new LspTestClient(process.StandardInput.BaseStream, process.StandardOutput.BaseStream, process, null, null) { _cacheFolder = cache };
    }

    /// <summary>The server's project-system cache folder variable (ProjectSystemCache.FolderVariable).</summary>
    public const string CacheFolderVariable = "CODEASSIST_CACHE_DIR";

    private string? _cacheFolder;

    /// <summary>`codeassist ARGUMENTS` as a child process, with <paramref name="environment"/> added to this process's.</summary>
    public static LspTestClient Start(IReadOnlyDictionary<string, string> environment, params string[] arguments) => Start(arguments, null, environment);

    /// <summary>
    /// Runs a `codeassist` command line to its end and returns its exit code and output; <paramref name="input"/> is
    /// typed on its stdin (then closed), and <paramref name="environment"/> is added to this process's.
    /// </summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunCliAsync(string[] arguments, string? input = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(ServerCommand[0])
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            start.Environment[name] = value;
        foreach (var argument in ServerCommand.Skip(1).Concat(arguments))
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (input is not null)
            await process.StandardInput.WriteAsync(input);
        process.StandardInput.Close();
        // The command's exit is the event waited for; HangGuard only tells a hang from a loaded machine.
        using var timeout = new CancellationTokenSource(HangGuard);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException(
                $"codeassist {string.Join(' ', arguments)} did not exit within {HangGuard.TotalMinutes} minutes; its stderr: {await stderr}");
        }
        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>
    /// How long a request, an awaited notification or a command may take before the test calls it a hang. Not a measure
    /// of speed: with seven other engineers' builds on two cores, a cold Roslyn request took over a minute; with three
    /// engineers building and a training run beside the suite (load 60-70 on two cores) `refactor`'s project load and
    /// generation passed 5 minutes and the air-gap test took 9. Every test uses this one guard, none a shorter one of its own.
    /// </summary>
    public static readonly TimeSpan HangGuard = TimeSpan.FromMinutes(10);

    /// <summary>
    /// The options with a generation deadline no loaded machine reaches, unless the test sets one: a 3-second cap,
    /// the prompt's processing included, cut the first (cold) generations short when seven other engineers' builds
    /// had the CPU, and an exact-text test then saw a shorter or empty suggestion.
    /// </summary>
    public static JsonObject WithPatientDeadline(object? initializationOptions)
    {
        var options = initializationOptions is null
            ? new JsonObject()
            : JsonSerializer.SerializeToNode(initializationOptions) as JsonObject ?? new JsonObject();
        options.TryAdd("generationDeadlineMs", 600_000);
        return options;
    }

    /// <summary>`codeassist serve --model MODEL` as a child process.</summary>
    public static LspTestClient Serve(string modelPath, params string[] extra) => Start(["serve", "--model", modelPath, .. extra]);

    /// <summary>
    /// A client of a server in this process: <paramref name="toServer"/> is what the server reads, <paramref name="fromServer"/>
    /// what it writes; <paramref name="log"/> gives the server's log (as <see cref="Stderr"/>), <paramref name="exited"/> its exit
    /// code, and <paramref name="disposeServer"/> releases it when the client is disposed.
    /// </summary>
    public static LspTestClient Connect(Stream toServer, Stream fromServer, Func<string> log, Func<TimeSpan, Task<int>> exited,
        Func<ValueTask> disposeServer) =>
        new(toServer, fromServer, null, log, exited, disposeServer);

    /// <summary>The server process; only for tests that start one.</summary>
    public Process Process => _process ?? throw new InvalidOperationException(
        "this client talks to a server in the test process; process-level tests use LspTestClient.Start");

    /// <summary>What the server logged: the child's stderr, or the in-process server's log.</summary>
    public string Stderr
    {
        get
        {
            if (_process is null)
                return _log();
            lock (_stderr)
                return _stderr.ToString();
        }
    }

    /// <summary>Everything from the server that was not a well-formed LSP frame holding a JSON-RPC 2.0 object.</summary>
    public IReadOnlyList<string> Violations => [.. _violations];

    /// <summary>Every message the server wrote, in order.</summary>
    public IReadOnlyList<JsonObject> Messages
    {
        get
        {
            lock (_gate)
                return [.. _messages];
        }
    }

    /// <summary>Bytes read from the server so far, headers included.</summary>
    public long StdoutBytes => Interlocked.Read(ref _bytesRead);

    /// <summary>Responses (no method) the server wrote, including those to ids the test did not track.</summary>
    public IReadOnlyList<JsonObject> Responses => [.. Messages.Where(m => m["method"] is null)];

    /// <summary>Requests the server sent (workspace/applyEdit, window/workDoneProgress/create), in order.</summary>
    public IReadOnlyList<JsonObject> ServerRequests
    {
        get
        {
            lock (_gate)
                return [.. _serverRequests];
        }
    }

    /// <summary>The result to answer a server request with; null by default.</summary>
    public Func<JsonObject, JsonNode?> ServerRequestHandler { get; set; } = _ => null;

    public IReadOnlyList<JsonObject> Notifications(string method) => [.. Messages.Where(m => (string?)m["method"] == method && m["id"] is null)];

    public async Task<JsonObject> RequestAsync(string method, object? parameters, TimeSpan? timeout = null)
    {
        var (_, response) = StartRequest(method, parameters);
        try
        {
            return await response.WaitAsync(timeout ?? HangGuard);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"no answer to {method}; the server's log:\n{Tail(Stderr)}");
        }
    }

    /// <summary>Sends a request without waiting for its answer (cancellation, typing ahead).</summary>
    public (long Id, Task<JsonObject> Response) StartRequest(string method, object? parameters)
    {
        var id = Interlocked.Increment(ref _nextId);
        var completion = Pending(id.ToString(CultureInfo.InvariantCulture));
        _ = SendAsync(new { jsonrpc = "2.0", id, method, @params = parameters })
            .ContinueWith(t => completion.TrySetException(t.Exception!.InnerException!), TaskContinuationOptions.OnlyOnFaulted);
        return (id, completion.Task);
    }

    /// <summary>Waits for the answer to an id the test chose itself (in JSON text: 5 or "abc").</summary>
    public Task<JsonObject> Track(string idJson) => Pending(idJson).Task;

    private TaskCompletionSource<JsonObject> Pending(string idJson)
    {
        var completion = new TaskCompletionSource<JsonObject>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[idJson] = completion;
        return completion;
    }

    public Task NotifyAsync(string method, object? parameters) => SendAsync(new { jsonrpc = "2.0", method, @params = parameters });

    public Task SendAsync(object message) => SendRawAsync(JsonSerializer.SerializeToUtf8Bytes(message));

    /// <summary>Writes bytes as they are: with a correct header unless <paramref name="header"/> says otherwise ("" for none).</summary>
    public async Task SendRawAsync(byte[] body, string? header = null)
    {
        await _writeGate.WaitAsync();
        try
        {
            await _toServer.WriteAsync(Encoding.ASCII.GetBytes(header ?? $"Content-Length: {body.Length}\r\n\r\n"));
            await _toServer.WriteAsync(body);
            await _toServer.FlushAsync();
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>Closes the server's input, as an editor that goes away does.</summary>
    public void CloseStdin() => _toServer.Close();

    /// <summary>
    /// Initializes with work-done progress (or <paramref name="capabilities"/>) and a patient generation deadline
    /// (see <see cref="WithPatientDeadline"/>), then sends `initialized`.
    /// </summary>
    public async Task<JsonObject> InitializeAsync(string? rootPath = null, object? initializationOptions = null, object? capabilities = null)
    {
        var result = await RequestAsync("initialize", new
        {
            processId = Environment.ProcessId,
            clientInfo = new { name = "codeassist-tests" },
            rootUri = rootPath is null ? null : new Uri(rootPath).AbsoluteUri,
            capabilities = capabilities ?? new { window = new { workDoneProgress = true } },
            initializationOptions = WithPatientDeadline(initializationOptions),
        });
        await NotifyAsync("initialized", new { });
        return result;
    }

    public Task OpenAsync(string path, string text, string languageId = "csharp", int version = 1) =>
        NotifyAsync("textDocument/didOpen", new { textDocument = new { uri = new Uri(path).AbsoluteUri, languageId, version, text } });

    /// <summary>The first notification of <paramref name="method"/> that matches, waiting for it as messages arrive.</summary>
    public async Task<JsonObject> WaitForNotificationAsync(string method, Func<JsonObject, bool> predicate, TimeSpan? timeout = null)
    {
        await WaitForAsync(() => Notifications(method).Any(predicate), $"a matching {method} notification", timeout);
        return Notifications(method).First(predicate);
    }

    /// <summary>
    /// Waits until <paramref name="condition"/> holds, checking it each time a message or a line of the server's log
    /// arrives (nothing polls); fails when the server's output ends first or <paramref name="timeout"/> passes.
    /// </summary>
    private async Task WaitForAsync(Func<bool> condition, string what, TimeSpan? timeout)
    {
        using var cancel = new CancellationTokenSource(timeout ?? HangGuard);
        while (true)
        {
            Task arrived;
            lock (_gate)
                arrived = _arrived.Task;
            if (condition())
                return;
            if (_reader.IsCompleted)
                throw new InvalidOperationException($"the server's output ended before {what}; its log:\n{Tail(Stderr)}");
            try
            {
                await arrived.WaitAsync(cancel.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"no {what}; the server's log:\n{Tail(Stderr)}");
            }
        }
    }

    /// <summary>Waits until the server's log (stderr, or the in-process log) has a line containing <paramref name="text"/>.</summary>
    public Task WaitForLogAsync(string text, TimeSpan? timeout = null) =>
        WaitForAsync(() => Stderr.Contains(text, StringComparison.Ordinal), $"the log line \"{text}\"", timeout);

    /// <summary>The first request of <paramref name="method"/> the server sent (client/registerCapability, workspace/applyEdit).</summary>
    public async Task<JsonObject> WaitForServerRequestAsync(string method, TimeSpan? timeout = null)
    {
        await WaitForAsync(() => ServerRequests.Any(m => (string?)m["method"] == method), $"a {method} request", timeout);
        return ServerRequests.First(m => (string?)m["method"] == method);
    }

    /// <summary>
    /// Waits for the end of the workspace load's progress ("loaded N project(s)"); the model's load ends its own
    /// progress, often first, so the message is what tells them apart.
    /// </summary>
    public Task<JsonObject> WaitForProjectsLoadedAsync(TimeSpan? timeout = null) =>
        WaitForNotificationAsync("$/progress",
            n => (string?)n["params"]!["value"]!["kind"] == "end" && ((string?)n["params"]!["value"]!["message"])?.Contains("loaded") == true,
            timeout ?? HangGuard);

    /// <summary>
    /// Waits until the compilations' warm-up after a load has ended <paramref name="loads"/> times ("compilations ready"):
    /// completions do not wait for it, and have the loaded projects' semantic context only from then on.
    /// </summary>
    public Task<JsonObject> WaitForCompilationsReadyAsync(int loads = 1, TimeSpan? timeout = null) =>
        WaitForNotificationAsync("$/progress", _ => Notifications("$/progress").Count(IsCompilationsReady) >= loads, timeout ?? HangGuard);

    private static bool IsCompilationsReady(JsonObject n) =>
        (string?)n["params"]!["value"]!["kind"] == "end" && ((string?)n["params"]!["value"]!["message"])?.Contains("compilations ready") == true;

    public Task<JsonObject> WaitForStatusAsync(string state, TimeSpan? timeout = null) =>
        WaitForNotificationAsync("codeAssist/status", n => (string?)n["params"]?["state"] == state, timeout);

    /// <summary>The latest codeAssist/status the server sent.</summary>
    public JsonObject? LastStatus => Notifications("codeAssist/status") is { Count: > 0 } statuses ? statuses[^1] : null;

    /// <summary>Resident memory of the server process in KiB, from /proc/PID/status.</summary>
    public long ResidentKiB()
    {
        foreach (var line in File.ReadLines($"/proc/{Process.Id}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        }
        throw new InvalidOperationException("no VmRSS in /proc status");
    }

    public async Task<int> ShutdownAndExitAsync()
    {
        await RequestAsync("shutdown", null);
        await NotifyAsync("exit", null);
        return await WaitForExitAsync(HangGuard);
    }

    /// <summary>The server's exit code once it has stopped (process exit, or the in-process host's end).</summary>
    public Task<int> WaitForExitAsync(TimeSpan timeout) => _exited(timeout);

    /// <summary>Waits until the server's output has ended and every frame on it has been checked.</summary>
    public Task DrainAsync(TimeSpan timeout) => _reader.WaitAsync(timeout);

    private async Task<int> WaitForProcessExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        await Process.WaitForExitAsync(cancel.Token);
        return Process.ExitCode;
    }

    private static string Tail(string log) => string.Join('\n', log.Split('\n').TakeLast(40));

    private void Received(JsonObject message, bool isServerRequest)
    {
        lock (_gate)
        {
            _messages.Add(message);
            if (isServerRequest)
                _serverRequests.Add(message);
        }
        Pulse();
    }

    /// <summary>Wakes every waiter: something arrived (a message, a log line).</summary>
    private void Pulse()
    {
        TaskCompletionSource arrived;
        lock (_gate)
        {
            arrived = _arrived;
            _arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        arrived.TrySetResult();
    }

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
                    if (await _fromServer.ReadAsync(one) == 0)
                    {
                        if (header.Count > 0)
                            _violations.Enqueue($"the output ended inside a header: {Encoding.UTF8.GetString([.. header])}");
                        return;
                    }
                    header.Add(one[0]);
                    if (header.Count > 1024)
                    {
                        _violations.Enqueue($"not a header: {Encoding.UTF8.GetString([.. header])[..200]}");
                        return;
                    }
                }
                Interlocked.Add(ref _bytesRead, header.Count);
                var text = Encoding.ASCII.GetString([.. header]);
                var lines = text.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
                var lengthLine = lines.FirstOrDefault(l => l.StartsWith("Content-Length: ", StringComparison.Ordinal));
                if (lengthLine is null || !int.TryParse(lengthLine["Content-Length: ".Length..], out var length)
                    || lines.Any(l => !l.StartsWith("Content-", StringComparison.Ordinal)))
                {
                    _violations.Enqueue($"not an LSP header: {text}");
                    return;
                }
                var body = new byte[length];
                await _fromServer.ReadExactlyAsync(body);
                Interlocked.Add(ref _bytesRead, length);
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
                var isServerRequest = !isResponse && message["id"] is not null;
                Received(message, isServerRequest);
                if (isResponse)
                {
                    var key = message["id"]?.ToJsonString() ?? "null";
                    if (_pending.TryRemove(key, out var pending))
                        pending.TrySetResult(message);
                }
                else if (isServerRequest)
                {
                    var reply = new JsonObject { ["jsonrpc"] = "2.0", ["id"] = message["id"]!.DeepClone(), ["result"] = ServerRequestHandler(message) };
                    _ = SendRawAsync(Encoding.UTF8.GetBytes(reply.ToJsonString())).ContinueWith(t => _ = t.Exception, TaskScheduler.Default);
                }
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or EndOfStreamException or InvalidOperationException)
        {
            // The server went away, or the test closed the streams (an in-memory pipe says so with InvalidOperationException).
        }
        finally
        {
            TaskCompletionSource arrived;
            lock (_gate)
                arrived = _arrived;
            arrived.TrySetResult();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        if (_process is null)
        {
            await _toServer.DisposeAsync();
            await _fromServer.DisposeAsync();
            if (_disposeServer is not null)
                await _disposeServer();
        }
        try
        {
            await _reader.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (TimeoutException)
        {
        }
        _process?.Dispose();
        if (_cacheFolder is not null)
        {
            try
            {
                Directory.Delete(_cacheFolder, recursive: true);
            }
            catch (IOException)
            {
                // Temp folders are cleaned eventually.
            }
        }
    }
}
