using System.Text.Json.Nodes;

namespace CodeAssist.Server.Tests;

/// <summary>
/// Start-up (#19): `initialize` is answered with nothing heavy started (the engine is built after the answer);
/// `initialized` starts the model (with work-done progress, which ends after its warm-up generation) and the workspace;
/// `codeAssist/stats` tells when each start-up step happened, in the order they happen.
/// </summary>
public sealed class StartupTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    private const string Program = """
        using System;

        class Program
        {
            static void Main()
            {
                Console.WriteLine(
            }
        }
        """;

    private static JsonObject Startup(JsonObject stats) => stats["result"]!["startup"]!.AsObject();

    [Fact]
    public async Task Initialize_starts_no_model_load_and_initialized_starts_it_with_progress_and_the_timeline_records_each_step()
    {
        await using var client = LspTestClient.Start(["serve", "--model", _temp.ScriptedModel("\"hi\");")]);
        // initialize alone, as a client sends it before it has finished its own start-up.
        var answer = await client.RequestAsync("initialize", new
        {
            processId = Environment.ProcessId,
            rootUri = new Uri(_temp.Path).AbsoluteUri,
            capabilities = new { window = new { workDoneProgress = true } },
            initializationOptions = LspTestClient.WithPatientDeadline(null),
        });
        Assert.NotNull(answer["result"]);
        var before = Startup(await client.RequestAsync("codeAssist/stats", null));
        // The engine is built once the answer is written; stats, which needs it, waits for it.
        Assert.Equal(
            ["engineBuilt", "firstByteRead", "initializeHandled", "mainEntered", "serveEntered", "serverBuilt"],
            before.Select(p => p.Key).Order(StringComparer.Ordinal));
        Assert.DoesNotContain("loading model", client.Stderr, StringComparison.Ordinal);

        await client.NotifyAsync("initialized", new { });
        await client.WaitForNotificationAsync("$/progress", n => (string?)n["params"]!["value"]!["title"] == "CodeAssist: loading the model");
        var end = await client.WaitForNotificationAsync("$/progress", n => (string?)n["params"]!["value"]!["kind"] == "end");
        Assert.Equal("codeassist-scripted ready", (string?)end["params"]!["value"]!["message"]);
        await client.WaitForNotificationAsync("codeAssist/status", n => (string?)n["params"]!["state"] == "ready");
        // The warm-up generation ran once the model was there, and its text shows nowhere: the suggestion below is the script.
        await client.WaitForLogAsync("codeassist-scripted warmed up");

        var path = _temp.WriteFile("Program.cs", Program);
        await client.OpenAsync(path, Program);
        var completion = await client.RequestAsync("textDocument/inlineCompletion", new
        {
            textDocument = new { uri = new Uri(path).AbsoluteUri },
            position = new { line = 6, character = 26 },
            context = new { triggerKind = 2 },
        });
        Assert.Equal("\"hi\");", (string?)completion["result"]!["items"]![0]!["insertText"]);

        var after = Startup(await client.RequestAsync("codeAssist/stats", null));
        double At(string step) => (double)after[step]!;
        Assert.Equal(before["initializeHandled"]!.GetValue<double>(), At("initializeHandled"));
        string[] inOrder =
        [
            "mainEntered", "serveEntered", "serverBuilt", "firstByteRead", "initializeHandled", "engineBuilt", "modelLoaded", "modelWarmed", "firstContext",
            "firstToken", "firstCompletion",
        ];
        Assert.Equal(inOrder, inOrder.OrderBy(At));
        Assert.Equal(0, await client.ShutdownAndExitAsync());
    }

    public void Dispose() => _temp.Dispose();
}
