using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using CodeAssist.Engine.Models;
using Xunit.Abstractions;

namespace CodeAssist.Server.Tests.Reliability;

/// <summary>
/// Faults injected into a real serving process: damaged, removed and misconfigured models, a project MSBuild cannot
/// read, files deleted under open documents, documents too large or binary, and a client that goes away. The server
/// says what went wrong (status, log) and keeps serving what it can.
/// </summary>
public sealed class FaultInjectionTests(ITestOutputHelper output) : IDisposable
{
    private const string Script = "Console.WriteLine(\"fault\");";
    private const string Program = "using System;\n\nclass Program\n{\n    static void Main()\n    {\n        \n    }\n}\n";

    private readonly TempDirectory _temp = new();

    private static object InlineParams(string path, int line = 6, int character = 8) => new
    {
        textDocument = new { uri = new Uri(path).AbsoluteUri },
        position = new { line, character },
        context = new { triggerKind = 2 },
    };

    private static JsonArray Items(JsonObject response) => response["result"]?["items"]?.AsArray()
        ?? throw new Xunit.Sdk.XunitException($"not a completion list: {response.ToJsonString()}");

    private async Task<(LspTestClient Client, string Path)> StartAsync(string modelPath, int heldGenerations = 0)
    {
        var client = heldGenerations == 0 ? LspTestClient.Serve(modelPath) : ServeHolding(modelPath, heldGenerations);
        await client.InitializeAsync(_temp.Path);
        var path = _temp.WriteFile("Program.cs", Program);
        await client.OpenAsync(path, Program);
        return (client, path);
    }

    /// <summary>`codeassist serve` whose first <paramref name="count"/> generations stop after their first token until cancelled.</summary>
    private static LspTestClient ServeHolding(string modelPath, int count) =>
        LspTestClient.Start(new Dictionary<string, string> { [HeldGenerations.Variable] = count.ToString(CultureInfo.InvariantCulture) },
            "serve", "--model", modelPath);

    /// <summary>Points the server at another scripted model, <paramref name="name"/>, through the settings.</summary>
    private Task SwitchModelAsync(LspTestClient client, string name) =>
        client.NotifyAsync("workspace/didChangeConfiguration", new { settings = new { codeassist = new { modelPath = _temp.ScriptedModel(Script, name) } } });

    private async Task RecoverAsync(LspTestClient client, string path, string name)
    {
        await SwitchModelAsync(client, name);
        await client.WaitForNotificationAsync("codeAssist/status", n => (string?)n["params"]?["state"] == "ready" && client.LastStatus == n);
        var recovered = await client.RequestAsync("textDocument/inlineCompletion", InlineParams(path));
        Assert.Equal(Script, (string?)Items(recovered)[0]!["insertText"]);
    }

    [Fact]
    public async Task A_corrupt_model_is_an_error_status_naming_the_file_requests_answer_empty_and_a_good_model_recovers()
    {
        var corrupt = _temp.ScriptedModel(Script, "corrupt");
        var garbage = new byte[512 * 1024];
        new Random(3).NextBytes(garbage);
        File.WriteAllBytes(Path.Combine(corrupt, "model.onnx"), garbage);
        var (client, path) = await StartAsync(corrupt);
        await using var _ = client;

        var status = await client.WaitForStatusAsync("error");
        var message = (string?)status["params"]!["message"];
        output.WriteLine(message);
        Assert.Contains("model.onnx", message, StringComparison.Ordinal);
        Assert.Contains(corrupt, message, StringComparison.Ordinal);
        Assert.Empty(Items(await client.RequestAsync("textDocument/inlineCompletion", InlineParams(path))));
        Assert.NotNull((await client.RequestAsync("codeAssist/stats", null))["result"]);

        await RecoverAsync(client, path, "good");
        Assert.Equal(0, await client.ShutdownAndExitAsync());
    }

    [Fact]
    public async Task A_model_folder_removed_while_serving_keeps_the_loaded_model_until_a_reload_reports_it_missing()
    {
        var removable = _temp.ScriptedModel(Script, "removable");
        var (client, path) = await StartAsync(removable);
        await using var _ = client;
        await client.WaitForStatusAsync("ready");
        Assert.Equal(Script, (string?)Items(await client.RequestAsync("textDocument/inlineCompletion", InlineParams(path)))[0]!["insertText"]);

        Directory.Delete(removable, recursive: true);
        // The loaded model lives in memory: a request at another place (no cache hit) still runs it.
        await client.NotifyAsync("textDocument/didChange", new
        {
            textDocument = new { uri = new Uri(path).AbsoluteUri, version = 2 },
            contentChanges = new object[] { new { text = Program.Replace("        \n", "        int x = 1;\n        \n", StringComparison.Ordinal) } },
        });
        Assert.Equal(Script, (string?)Items(await client.RequestAsync("textDocument/inlineCompletion", InlineParams(path, 7, 8)))[0]!["insertText"]);
        Assert.Equal(2, (int)(await client.RequestAsync("codeAssist/stats", null))["result"]!["generations"]!);

        // A device change reloads the folder, which is gone now.
        await client.NotifyAsync("workspace/didChangeConfiguration", new { settings = new { codeassist = new { device = "cpu" } } });
        var status = await client.WaitForNotificationAsync("codeAssist/status", n => (string?)n["params"]?["state"] == "error");
        Assert.Contains("does not exist", (string?)status["params"]!["message"], StringComparison.Ordinal);
        // (The type-through cache would still answer the place asked before; a new place needs the model.)
        Assert.Empty(Items(await client.RequestAsync("textDocument/inlineCompletion", InlineParams(path, 6, 18))));

        await RecoverAsync(client, path, "replacement");
        Assert.Equal(0, await client.ShutdownAndExitAsync());
    }

    [Fact]
    public async Task A_model_whose_generation_throws_answers_empty_logs_the_reason_and_keeps_serving()
    {
        // genai_config.json disagrees with the graph about the vocabulary: the model loads, and every generation
        // fails inside ONNX Runtime at its first forward pass. The config names more rows than the graph has: fewer
        // than the tokenizer's ids is refused before loading (ModelFolder's vocab_size check), which is not this test.
        var mismatched = _temp.ScriptedModel(Script, "mismatched");
        var configPath = Path.Combine(mismatched, "genai_config.json");
        var config = JsonNode.Parse(File.ReadAllText(configPath))!;
        config["model"]!["vocab_size"] = (int)config["model"]!["vocab_size"]! + 4;
        File.WriteAllText(configPath, config.ToJsonString());
        var (client, path) = await StartAsync(mismatched);
        await using var _ = client;
        await client.WaitForStatusAsync("ready");

        var first = await client.RequestAsync("textDocument/inlineCompletion", InlineParams(path));
        var second = await client.RequestAsync("textDocument/completion",
            new { textDocument = new { uri = new Uri(path).AbsoluteUri }, position = new { line = 6, character = 8 } });

        Assert.Empty(Items(first));
        Assert.Empty(Items(second));
        Assert.Contains("generation failed for", client.Stderr, StringComparison.Ordinal);
        Assert.Contains("logits", client.Stderr, StringComparison.Ordinal);
        Assert.Contains(client.Notifications("window/logMessage"),
            n => (int)n["params"]!["type"]! == 1 && ((string?)n["params"]!["message"])!.Contains("generation failed", StringComparison.Ordinal));
        await RecoverAsync(client, path, "matching");
        Assert.Equal(0, await client.ShutdownAndExitAsync());
    }

    [Fact]
    public async Task A_model_swapped_out_mid_generation_ends_that_request_and_the_next_uses_the_new_model()
    {
        // The generation is held after its first token until cancelled: it is certainly running when the model goes.
        var (client, path) = await StartAsync(_temp.ScriptedModel(string.Concat(Enumerable.Repeat("Step(); ", 300)), "long"), heldGenerations: 1);
        await using var _ = client;
        await client.WaitForStatusAsync("ready");
        var (_, running) = client.StartRequest("textDocument/inlineCompletion", InlineParams(path));
        await client.WaitForStatusAsync("generating");

        // Unloading the model stops its generation between two tokens.
        await SwitchModelAsync(client, "short");
        var interrupted = await running.WaitAsync(LspTestClient.HangGuard);

        output.WriteLine($"the interrupted request answered {interrupted.ToJsonString()}");
        Assert.True(interrupted["result"] is not null || (int?)interrupted["error"]?["code"] == -32800, interrupted.ToJsonString());
        Assert.Equal(Script, (string?)Items(await client.RequestAsync("textDocument/inlineCompletion", InlineParams(path)))[0]!["insertText"]);
        Assert.DoesNotContain(" error] ", client.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, await client.ShutdownAndExitAsync());
    }

    [Fact]
    public async Task A_project_msbuild_cannot_read_is_a_warning_naming_it_and_completion_works_on_the_file()
    {
        var root = _temp.Combine("broken-workspace");
        Directory.CreateDirectory(root);
        File.WriteAllText(Path.Combine(root, "Broken.csproj"),
            "<Project Sdk=\"Microsoft.NET.Sdk\">\n  <PropertyGroup>\n    <TargetFramework>net10.0</TargetFramework>\n</Project>\n");
        var path = Path.Combine(root, "Program.cs");
        File.WriteAllText(path, Program);
        await using var client = LspTestClient.Serve(_temp.ScriptedModel(Script));
        await client.InitializeAsync(root);
        await client.OpenAsync(path, Program);

        var warning = await client.WaitForNotificationAsync("window/logMessage",
            n => (int)n["params"]!["type"]! == 2 && ((string?)n["params"]!["message"])!.Contains("Broken.csproj", StringComparison.Ordinal),
            LspTestClient.HangGuard);
        output.WriteLine((string?)warning["params"]!["message"]);

        Assert.Equal(Script, (string?)Items(await client.RequestAsync("textDocument/inlineCompletion", InlineParams(path)))[0]!["insertText"]);
        Assert.Equal(0, await client.ShutdownAndExitAsync());
    }

    [Fact]
    public async Task Files_deleted_while_open_keep_their_editor_text_and_closing_them_is_clean()
    {
        var (client, path) = await StartAsync(_temp.ScriptedModel(Script));
        await using var _ = client;
        var other = _temp.WriteFile("Other.cs", "class Other { }\n");
        await client.OpenAsync(other, "class Other { }\n");

        File.Delete(path);
        File.Delete(other);
        await client.NotifyAsync("workspace/didChangeWatchedFiles", new
        {
            changes = new object[] { new { uri = new Uri(path).AbsoluteUri, type = 3 }, new { uri = new Uri(other).AbsoluteUri, type = 3 } },
        });
        Assert.Equal(Script, (string?)Items(await client.RequestAsync("textDocument/inlineCompletion", InlineParams(path)))[0]!["insertText"]);

        await client.NotifyAsync("textDocument/didClose", new { textDocument = new { uri = new Uri(other).AbsoluteUri } });
        await client.NotifyAsync("textDocument/didClose", new { textDocument = new { uri = new Uri(path).AbsoluteUri } });
        var closed = await client.RequestAsync("textDocument/inlineCompletion", InlineParams(path));
        Assert.Equal(-32602, (int)closed["error"]!["code"]!);
        await client.OpenAsync(path, Program, version: 5);
        Assert.Equal(Script, (string?)Items(await client.RequestAsync("textDocument/inlineCompletion", InlineParams(path)))[0]!["insertText"]);
        Assert.DoesNotContain(" error] ", client.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, await client.ShutdownAndExitAsync());
    }

    [Fact]
    public async Task A_10_MB_document_is_answered_empty_and_a_binary_one_is_answered_without_harm()
    {
        var (client, path) = await StartAsync(_temp.ScriptedModel(Script));
        await using var _ = client;
        await client.WaitForStatusAsync("ready");

        var huge = _temp.Combine("Huge.cs");
        const string paddedLine = "    int field; // padding padding padding padding padding padding\n";
        await client.OpenAsync(huge, "class Huge\n{\n" + string.Concat(Enumerable.Repeat(paddedLine, 10 * 1024 * 1024 / 64)) + "}\n");
        var clock = Stopwatch.StartNew();
        Assert.Empty(Items(await client.RequestAsync("textDocument/inlineCompletion", InlineParams(huge, 2, 4))));
        output.WriteLine($"10 MB document answered in {clock.ElapsedMilliseconds} ms");

        var bytes = new byte[1024 * 1024];
        new Random(5).NextBytes(bytes);
        for (var i = 0; i < bytes.Length; i += 7)
            bytes[i] = 0;
        var binary = _temp.Combine("blob.bin");
        await client.OpenAsync(binary, System.Text.Encoding.Latin1.GetString(bytes), languageId: "plaintext");
        clock.Restart();
        var answer = await client.RequestAsync("textDocument/inlineCompletion", InlineParams(binary, 100, 3));
        var answerJson = answer.ToJsonString();
        output.WriteLine($"1 MB binary document answered in {clock.ElapsedMilliseconds} ms: {answerJson[..Math.Min(200, answerJson.Length)]}");
        Assert.NotNull(answer["result"]);

        // Both stay open as recent documents for the C# file; its completion is still exact.
        Assert.Equal(Script, (string?)Items(await client.RequestAsync("textDocument/inlineCompletion", InlineParams(path)))[0]!["insertText"]);
        Assert.Equal(0, await client.ShutdownAndExitAsync());
        await client.DrainAsync(LspTestClient.HangGuard);
        Assert.Empty(client.Violations);
    }

    [Fact]
    public async Task A_client_that_closes_stdin_mid_generation_leaves_a_server_that_exits()
    {
        // The generation is held after its first token until cancelled: the model is busy when the client goes away.
        var model = _temp.ScriptedModel(string.Concat(Enumerable.Repeat("Step(); ", 300)), "long");
        await using var client = ServeHolding(model, 1);
        await client.InitializeAsync(_temp.Path);
        await client.WaitForStatusAsync("ready");
        var path = _temp.WriteFile("Program.cs", Program);
        await client.OpenAsync(path, Program);
        client.StartRequest("textDocument/inlineCompletion", InlineParams(path));
        await client.WaitForStatusAsync("generating");

        var clock = Stopwatch.StartNew();
        client.CloseStdin();
        var code = await client.WaitForExitAsync(LspTestClient.HangGuard);
        clock.Stop();

        // How fast is a figure for the log, not a threshold: a loaded machine moves it several-fold.
        output.WriteLine($"exited {clock.ElapsedMilliseconds} ms after stdin closed, code {code}");
        Assert.Equal(1, code);
        await client.DrainAsync(LspTestClient.HangGuard);
        Assert.Contains("the client went away; exiting", client.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Exit_without_shutdown_is_code_1_and_with_it_code_0()
    {
        var model = _temp.ScriptedModel(Script);
        await using (var abrupt = LspTestClient.Serve(model))
        {
            await abrupt.InitializeAsync(_temp.Path);
            await abrupt.NotifyAsync("exit", null);
            Assert.Equal(1, await abrupt.WaitForExitAsync(LspTestClient.HangGuard));
            await abrupt.DrainAsync(LspTestClient.HangGuard);
            Assert.Contains("exit came without shutdown first", abrupt.Stderr, StringComparison.Ordinal);
        }
        await using var orderly = LspTestClient.Serve(model);
        await orderly.InitializeAsync(_temp.Path);
        Assert.Equal(0, await orderly.ShutdownAndExitAsync());
    }

    public void Dispose() => _temp.Dispose();
}
