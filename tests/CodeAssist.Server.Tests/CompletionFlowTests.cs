using System.Text.Json.Nodes;
using CodeAssist.Engine.Models;

namespace CodeAssist.Server.Tests;

/// <summary>The inline completion request flow over real stdio: bursts, cancellation, type-through and the fallback.</summary>
public sealed class CompletionFlowTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    private const string Program = "using System;\n\nclass Program\n{\n    static void Main()\n    {\n        \n    }\n}\n";

    private static object InlineParams(string path, int line, int character, int triggerKind = 2) => new
    {
        textDocument = new { uri = new Uri(path).AbsoluteUri },
        position = new { line, character },
        context = new { triggerKind },
    };

    private static object Insert(string path, int version, int line, int character, string text) => new
    {
        textDocument = new { uri = new Uri(path).AbsoluteUri, version },
        contentChanges = new object[] { new { range = new { start = new { line, character }, end = new { line, character } }, text } },
    };

    private async Task<(LspTestClient Client, string Path)> StartAsync(
        string script, object? options = null, int heldGenerations = 0, HeldGenerations? held = null)
    {
        var client = InProcessServer.Serve(_temp.ScriptedModel(script), heldGenerations: heldGenerations, held: held);
        await client.InitializeAsync(_temp.Path, options);
        var path = _temp.WriteFile("Program.cs", Program);
        await client.OpenAsync(path, Program);
        return (client, path);
    }

    /// <summary>
    /// Waits until the server has reported <paramref name="count"/> generations running (codeAssist/status
    /// "generating"); past <see cref="LspTestClient.HangGuard"/>, fails naming the states it reported.
    /// </summary>
    private static async Task GenerationsStartedAsync(LspTestClient client, int count)
    {
        try
        {
            await client.WaitForNotificationAsync("codeAssist/status",
                _ => client.Notifications("codeAssist/status").Count(n => (string?)n["params"]!["state"] == "generating") >= count, LspTestClient.HangGuard);
        }
        catch (TimeoutException timeout)
        {
            var states = string.Join(" ", client.Notifications("codeAssist/status").Select(n => (string?)n["params"]!["state"]));
            Assert.Fail($"{count} generation(s) not reported running; states reported: {states}; {timeout.Message}");
            throw;
        }
    }

    /// <summary>
    /// The answers, or within <see cref="LspTestClient.HangGuard"/> a failure that names the requests still unanswered
    /// and the states the server reported: a request never answered must fail the run, not hang it.
    /// </summary>
    private static async Task<JsonObject[]> AnsweredAsync(LspTestClient client, IReadOnlyList<Task<JsonObject>> responses)
    {
        try
        {
            return await Task.WhenAll(responses).WaitAsync(LspTestClient.HangGuard);
        }
        catch (TimeoutException)
        {
            var unanswered = string.Join(", ", Enumerable.Range(0, responses.Count).Where(i => !responses[i].IsCompleted));
            var states = string.Join(" ", client.Notifications("codeAssist/status").Select(n => (string?)n["params"]!["state"]));
            Assert.Fail($"requests {unanswered} (of {responses.Count}) unanswered after {LspTestClient.HangGuard}; states reported: {states}");
            throw;
        }
    }

    [Fact]
    public async Task In_a_burst_of_edits_and_requests_only_the_last_request_gets_text()
    {
        // The earlier requests' generations are held after their first token until cancelled, and the next keystroke
        // is typed only once the server reports the previous generation running, so each earlier one is superseded
        // while it runs; the last generation runs to its end. Held by prompt, not by count: a request superseded after
        // it reported "generating" but before it reached the model would leave its place in a count to the last one,
        // which then waited forever (a loaded CI run).
        const string typed = "Run";
        var (client, path) = await StartAsync(string.Concat(Enumerable.Repeat("Step(); ", 300)),
            held: new HeldGenerations(prompt => !prompt.Contains(typed, StringComparison.Ordinal)));
        await using var _ = client;
        var responses = new List<Task<JsonObject>>();
        for (var i = 0; i < typed.Length; i++)
        {
            await client.NotifyAsync("textDocument/didChange", Insert(path, i + 2, 6, 8 + i, typed[i].ToString()));
            responses.Add(client.StartRequest("textDocument/inlineCompletion", InlineParams(path, 6, 9 + i)).Response);
            if (i < typed.Length - 1)
                await GenerationsStartedAsync(client, i + 1);
        }

        var answers = await AnsweredAsync(client, responses);

        foreach (var earlier in answers[..^1])
            Assert.Empty(earlier["result"]!["items"]!.AsArray());
        var last = Assert.Single(answers[^1]["result"]!["items"]!.AsArray())!;
        Assert.StartsWith("Step(); Step();", (string?)last["insertText"]);
        var stats = (await client.RequestAsync("codeAssist/stats", null))["result"]!;
        Assert.True((int)stats["cancelled"]! >= 1, stats.ToJsonString());
    }

    [Fact]
    public async Task Cancel_request_is_honoured_with_request_cancelled()
    {
        var (client, path) = await StartAsync(string.Concat(Enumerable.Repeat("Step(); ", 300)), heldGenerations: 1);
        await using var _ = client;
        var (id, response) = client.StartRequest("textDocument/inlineCompletion", InlineParams(path, 6, 8));
        await GenerationsStartedAsync(client, 1);
        await client.NotifyAsync("$/cancelRequest", new { id });

        var answer = (await AnsweredAsync(client, [response]))[0];

        Assert.Equal(-32800, (int)answer["error"]!["code"]!);
    }

    [Fact]
    public async Task The_status_says_generating_until_the_last_running_generation_ends()
    {
        // Two held generations in two files, which do not supersede each other; the first one cancelled must not make
        // the status say "ready" while the second still runs (a superseding request starts its generation before the
        // superseded one has unwound, and a flag set by each end told the editor "ready" mid-generation).
        var (client, first) = await StartAsync(string.Concat(Enumerable.Repeat("Step(); ", 300)), heldGenerations: 2);
        await using var _ = client;
        var second = _temp.WriteFile("Other.cs", Program);
        await client.OpenAsync(second, Program);
        var (firstId, firstResponse) = client.StartRequest("textDocument/inlineCompletion", InlineParams(first, 6, 8));
        await GenerationsStartedAsync(client, 1);
        var (secondId, secondResponse) = client.StartRequest("textDocument/inlineCompletion", InlineParams(second, 6, 8));
        await GenerationsStartedAsync(client, 2);
        var before = client.Notifications("codeAssist/status").Count;

        await client.NotifyAsync("$/cancelRequest", new { id = firstId });
        Assert.Equal(-32800, (int)(await AnsweredAsync(client, [firstResponse]))[0]["error"]!["code"]!);
        await client.WaitForNotificationAsync("codeAssist/status", _ => client.Notifications("codeAssist/status").Count > before);

        Assert.Equal("generating", (string?)client.Notifications("codeAssist/status")[before]["params"]!["state"]);
        await client.NotifyAsync("$/cancelRequest", new { id = secondId });
        Assert.Equal(-32800, (int)(await AnsweredAsync(client, [secondResponse]))[0]["error"]!["code"]!);
        await client.WaitForNotificationAsync("codeAssist/status", n => (string?)n["params"]!["state"] == "ready"
            && client.Notifications("codeAssist/status").Count > before + 1);
    }

    [Fact]
    public async Task Typing_what_the_suggestion_starts_with_answers_the_rest_without_a_generation()
    {
        var (client, path) = await StartAsync("Console.WriteLine(\"hi\");");
        await using var _ = client;
        var first = await client.RequestAsync("textDocument/inlineCompletion", InlineParams(path, 6, 8));
        Assert.Equal("Console.WriteLine(\"hi\");", (string?)first["result"]!["items"]![0]!["insertText"]);

        await client.NotifyAsync("textDocument/didChange", Insert(path, 2, 6, 8, "Console.W"));
        var second = await client.RequestAsync("textDocument/inlineCompletion", InlineParams(path, 6, 17));

        Assert.Equal("riteLine(\"hi\");", (string?)second["result"]!["items"]![0]!["insertText"]);
        var stats = (await client.RequestAsync("codeAssist/stats", null))["result"]!;
        Assert.Equal(1, (int)stats["generations"]!);
        Assert.Equal(1, (int)stats["cacheHits"]!);
    }

    [Fact]
    public async Task Accepting_an_item_runs_its_command_and_counts_locally()
    {
        var (client, path) = await StartAsync("Console.WriteLine(\"hi\");");
        await using var _ = client;
        var item = (await client.RequestAsync("textDocument/inlineCompletion", InlineParams(path, 6, 8)))["result"]!["items"]![0]!;
        var command = item["command"]!;

        await client.RequestAsync("workspace/executeCommand", new { command = (string?)command["command"], arguments = command["arguments"] });

        Assert.Equal(1, (int)(await client.RequestAsync("codeAssist/stats", null))["result"]!["accepted"]!);
    }

    [Fact]
    public async Task Clients_without_inline_completion_get_the_suggestion_as_the_first_completion_item()
    {
        var (client, path) = await StartAsync("Console.WriteLine(\"hi\");");
        await using var _ = client;

        var response = await client.RequestAsync("textDocument/completion", new
        {
            textDocument = new { uri = new Uri(path).AbsoluteUri },
            position = new { line = 6, character = 8 },
        });

        var item = response["result"]!["items"]![0]!;
        Assert.Equal("Console.WriteLine(\"hi\");", (string?)item["label"]);
        Assert.Equal("Console.WriteLine(\"hi\");", (string?)item["textEdit"]!["newText"]);
        Assert.Equal(15, (int)item["kind"]!);
        Assert.True((bool)item["preselect"]!);
    }

    [Fact]
    public async Task Settings_change_without_a_restart()
    {
        var (client, path) = await StartAsync("Console.WriteLine(\"hi\");");
        await using var _ = client;
        await client.NotifyAsync("workspace/didChangeConfiguration", new { settings = new { codeassist = new { enable = false } } });

        var disabled = await client.RequestAsync("textDocument/inlineCompletion", InlineParams(path, 6, 8));
        Assert.Empty(disabled["result"]!["items"]!.AsArray());
        await client.WaitForNotificationAsync("codeAssist/status", n => (string?)n["params"]!["state"] == "disabled");

        await client.NotifyAsync("workspace/didChangeConfiguration", new { settings = new { codeassist = new { enable = true } } });
        var enabled = await client.RequestAsync("textDocument/inlineCompletion", InlineParams(path, 6, 8));
        Assert.Single(enabled["result"]!["items"]!.AsArray());
    }

    [Fact]
    public async Task A_missing_model_is_an_error_status_with_the_reason_and_the_server_keeps_serving()
    {
        await using var client = InProcessServer.Serve(_temp.Combine("no-such-model"));
        await client.InitializeAsync(_temp.Path);
        var status = await client.WaitForNotificationAsync("codeAssist/status", n => (string?)n["params"]!["state"] == "error");
        Assert.Contains("does not exist", (string?)status["params"]!["message"]);

        var path = _temp.WriteFile("Program.cs", Program);
        await client.OpenAsync(path, Program);
        var response = await client.RequestAsync("textDocument/inlineCompletion", InlineParams(path, 6, 8));
        Assert.Empty(response["result"]!["items"]!.AsArray());

        // Pointing the setting at a good model recovers without a restart.
        await client.NotifyAsync("workspace/didChangeConfiguration",
            new { settings = new { codeassist = new { modelPath = _temp.ScriptedModel("Run();", "good") } } });
        await client.WaitForNotificationAsync("codeAssist/status", n => (string?)n["params"]!["state"] == "ready");
        var recovered = await client.RequestAsync("textDocument/inlineCompletion", InlineParams(path, 6, 8));
        Assert.Equal("Run();", (string?)recovered["result"]!["items"]![0]!["insertText"]);
    }

    public void Dispose() => _temp.Dispose();
}
