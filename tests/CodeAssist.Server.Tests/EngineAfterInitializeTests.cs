using System.Text.Json.Nodes;

namespace CodeAssist.Server.Tests;

/// <summary>
/// Start-up (#19): the server builds its engine only once `initialize` is answered. Messages that come before the engine
/// exists wait for it in arrival order (a didOpen is applied, never lost), and a request cancelled while it waits is
/// answered RequestCancelled without waiting for the engine; no thread waits with them. The build is held by the test,
/// so every message here is sent while no engine exists, however fast the machine is.
/// </summary>
public sealed class EngineAfterInitializeTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly TaskCompletionSource _engineHeld = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private const string Program = "using System;\n\nclass Program\n{\n    static void Main()\n    {\n        \n    }\n}\n";

    private static object InlineParams(string path) => new
    {
        textDocument = new { uri = new Uri(path).AbsoluteUri },
        position = new { line = 6, character = 8 },
        context = new { triggerKind = 2 },
    };

    private Task<JsonObject> InitializeAsync(LspTestClient client) => client.RequestAsync("initialize", new
    {
        processId = Environment.ProcessId,
        rootUri = new Uri(_temp.Path).AbsoluteUri,
        capabilities = new { window = new { workDoneProgress = true } },
        initializationOptions = LspTestClient.WithPatientDeadline(null),
    });

    [Fact]
    public async Task Initialize_is_answered_before_the_engine_exists_and_a_didOpen_and_completion_sent_before_it_are_served_in_order()
    {
        await using var client = InProcessServer.Serve(_temp.ScriptedModel("Console.WriteLine(\"hi\");"), engineHeldUntil: _engineHeld.Task);
        // Answered while the engine cannot be built: initialize does not need it.
        var answer = await InitializeAsync(client);
        Assert.NotNull(answer["result"]!["capabilities"]);

        await client.NotifyAsync("initialized", new { });
        var path = _temp.WriteFile("Program.cs", Program);
        await client.OpenAsync(path, Program);
        var (_, completion) = client.StartRequest("textDocument/inlineCompletion", InlineParams(path));
        _engineHeld.SetResult();

        // The completion saw the document the didOpen before it brought (a lost didOpen would leave it unknown).
        var items = (await completion.WaitAsync(LspTestClient.HangGuard))["result"]!["items"]!.AsArray();
        Assert.Equal("Console.WriteLine(\"hi\");", (string?)Assert.Single(items)!["insertText"]);
        Assert.Equal(0, await client.ShutdownAndExitAsync());
    }

    [Fact]
    public async Task A_request_cancelled_while_it_waits_for_the_engine_is_answered_request_cancelled_before_the_engine_exists()
    {
        await using var client = InProcessServer.Serve(_temp.ScriptedModel("Step();"), engineHeldUntil: _engineHeld.Task);
        await InitializeAsync(client);
        var path = _temp.WriteFile("Program.cs", Program);

        var (id, completion) = client.StartRequest("textDocument/inlineCompletion", InlineParams(path));
        await client.NotifyAsync("$/cancelRequest", new { id });

        // Answered while the engine is still held: the request did not wait for it once cancelled.
        var cancelled = await completion.WaitAsync(LspTestClient.HangGuard);
        Assert.Equal(-32800, (int)cancelled["error"]!["code"]!);

        _engineHeld.SetResult();
        await client.NotifyAsync("initialized", new { });
        await client.OpenAsync(path, Program);
        var items = (await client.RequestAsync("textDocument/inlineCompletion", InlineParams(path)))["result"]!["items"]!.AsArray();
        Assert.Equal("Step();", (string?)Assert.Single(items)!["insertText"]);
        Assert.Equal(0, await client.ShutdownAndExitAsync());
    }

    [Fact]
    public async Task Many_requests_waiting_for_the_engine_hold_no_dispatch_thread_cancelled_ones_are_answered_at_once_and_the_rest_in_order()
    {
        await using var client = InProcessServer.Serve(_temp.ScriptedModel("Step();"), engineHeldUntil: _engineHeld.Task);
        await client.InitializeAsync(_temp.Path);
        var path = _temp.WriteFile("Program.cs", Program);
        await client.OpenAsync(path, Program);
        var uri = new Uri(path).AbsoluteUri;

        // Each round adds a marker line above Main and asks for the context at Main's empty line, which moves down with it:
        // the k-th request must see the k-th marker and not the next one, so each took its snapshot in its turn.
        const int rounds = 12;
        var requests = new List<(long Id, Task<JsonObject> Answer)>();
        for (var k = 1; k <= rounds; k++)
        {
            await client.NotifyAsync("textDocument/didChange", new
            {
                textDocument = new { uri, version = k + 1 },
                contentChanges = new[]
                {
                    new { range = new { start = new { line = 0, character = 0 }, end = new { line = 0, character = 0 } }, text = $"// marker {k}\n" },
                },
            });
            requests.Add(client.StartRequest("codeAssist/context", new { textDocument = new { uri }, position = new { line = 6 + k, character = 8 } }));
        }

        // Cancelled while all of them wait: answered while the engine is still held. A blocking wait for the engine held
        // the dispatch context, so a request behind the first one could not even start, let alone be answered.
        int[] cancelled = [3, 8, rounds];
        foreach (var k in cancelled)
            await client.NotifyAsync("$/cancelRequest", new { id = requests[k - 1].Id });
        foreach (var k in cancelled)
            Assert.Equal(-32800, (int)(await requests[k - 1].Answer.WaitAsync(LspTestClient.HangGuard))["error"]!["code"]!);
        Assert.DoesNotContain(requests.Where((_, i) => !cancelled.Contains(i + 1)), r => r.Answer.IsCompleted);

        _engineHeld.SetResult();
        for (var k = 1; k <= rounds; k++)
        {
            if (cancelled.Contains(k))
                continue;
            var prompt = (string?)(await requests[k - 1].Answer.WaitAsync(LspTestClient.HangGuard))["result"]!["prompt"];
            Assert.Contains($"// marker {k}\n", prompt, StringComparison.Ordinal);
            Assert.DoesNotContain($"// marker {k + 1}\n", prompt, StringComparison.Ordinal);
        }
        Assert.Equal(0, await client.ShutdownAndExitAsync());
    }

    public void Dispose()
    {
        _engineHeld.TrySetResult();
        _temp.Dispose();
    }
}
