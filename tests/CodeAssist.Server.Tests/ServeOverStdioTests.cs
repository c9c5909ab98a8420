namespace CodeAssist.Server.Tests;

/// <summary>The walking skeleton, end to end: the real `codeassist serve` process, real GenAI model files, LSP over stdio.</summary>
public sealed class ServeOverStdioTests : IDisposable
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

    [Fact]
    public async Task Initialize_advertises_incremental_sync_and_inline_completion()
    {
        await using var client = LspTestClient.Start(["serve", "--model", _temp.ScriptedModel("\"hi\");")]);
        var response = await client.InitializeAsync(_temp.Path);

        var capabilities = response["result"]!["capabilities"]!;
        Assert.Equal(2, (int)capabilities["textDocumentSync"]!["change"]!);
        Assert.NotNull(capabilities["inlineCompletionProvider"]);
        Assert.Equal("codeassist", (string?)response["result"]!["serverInfo"]!["name"]);
        Assert.Equal(0, await client.ShutdownAndExitAsync());
    }

    [Fact]
    public async Task Inline_completion_returns_the_models_text_with_a_range_valid_for_the_document()
    {
        await using var client = LspTestClient.Start(["serve", "--model", _temp.ScriptedModel("\"hi\");")]);
        await client.InitializeAsync(_temp.Path);
        var path = _temp.WriteFile("Program.cs", Program);
        await client.OpenAsync(path, Program);

        var response = await client.RequestAsync("textDocument/inlineCompletion", new
        {
            textDocument = new { uri = new Uri(path).AbsoluteUri },
            position = new { line = 6, character = 26 },
            context = new { triggerKind = 2 },
        });

        var items = response["result"]!["items"]!.AsArray();
        var item = Assert.Single(items)!;
        Assert.Equal("\"hi\");", (string?)item["insertText"]);
        Assert.Equal(6, (int)item["range"]!["start"]!["line"]!);
        Assert.Equal(26, (int)item["range"]!["start"]!["character"]!);
        Assert.Equal(item["range"]!["start"]!.ToJsonString(), item["range"]!["end"]!.ToJsonString());
        Assert.Equal(0, await client.ShutdownAndExitAsync());
    }

    [Fact]
    public async Task The_context_request_shows_the_prompt_and_the_word_token_healing_took_out_of_it()
    {
        var model = _temp.Combine("random");
        CodeAssist.ModelFactory.ModelFolderWriter.WriteRandom(model, CodeAssist.ModelFactory.DecoderShape.Tiny, seed: 1);
        await using var client = LspTestClient.Start(["serve", "--model", model]);
        await client.InitializeAsync(_temp.Path);
        var path = _temp.WriteFile("Program.cs", Program);
        await client.OpenAsync(path, Program);

        var response = await client.RequestAsync("codeAssist/context",
            new { textDocument = new { uri = new Uri(path).AbsoluteUri }, position = new { line = 6, character = 26 } });

        Assert.Equal("(", (string?)response["result"]!["healedText"]);
        Assert.Contains("Console.WriteLine<|fim_suffix|>", (string?)response["result"]!["prompt"], StringComparison.Ordinal);
        Assert.Equal(0, await client.ShutdownAndExitAsync());
    }

    [Fact]
    public async Task Incremental_changes_are_applied_before_the_request_that_follows_them()
    {
        // The scripted text repeats what the user typed after the change; the suffix-overlap rule trims it only if the
        // server saw the change, so the exact answer proves the ordering.
        await using var client = LspTestClient.Start(["serve", "--model", _temp.ScriptedModel("\"hi\");")]);
        await client.InitializeAsync(_temp.Path);
        var path = _temp.WriteFile("Program.cs", Program);
        await client.OpenAsync(path, Program);
        await client.NotifyAsync("textDocument/didChange", new
        {
            textDocument = new { uri = new Uri(path).AbsoluteUri, version = 2 },
            contentChanges = new object[]
            {
                new { range = new { start = new { line = 6, character = 26 }, end = new { line = 6, character = 26 } }, text = ");" },
            },
        });

        var response = await client.RequestAsync("textDocument/inlineCompletion", new
        {
            textDocument = new { uri = new Uri(path).AbsoluteUri },
            position = new { line = 6, character = 26 },
            context = new { triggerKind = 2 },
        });

        Assert.Equal("\"hi\"", (string?)response["result"]!["items"]![0]!["insertText"]);
    }

    [Fact]
    public async Task A_position_outside_the_document_is_an_invalid_params_error_and_the_server_keeps_serving()
    {
        await using var client = LspTestClient.Start(["serve", "--model", _temp.ScriptedModel("\"hi\");")]);
        await client.InitializeAsync(_temp.Path);
        var path = _temp.WriteFile("Program.cs", Program);
        await client.OpenAsync(path, Program);

        var bad = await client.RequestAsync("textDocument/inlineCompletion", new
        {
            textDocument = new { uri = new Uri(path).AbsoluteUri },
            position = new { line = 99, character = 0 },
            context = new { triggerKind = 2 },
        });
        Assert.Equal(-32602, (int)bad["error"]!["code"]!);

        var good = await client.RequestAsync("textDocument/inlineCompletion", new
        {
            textDocument = new { uri = new Uri(path).AbsoluteUri },
            position = new { line = 6, character = 26 },
            context = new { triggerKind = 2 },
        });
        Assert.Single(good["result"]!["items"]!.AsArray());
    }

    [Fact]
    public async Task Requests_before_initialize_get_server_not_initialized()
    {
        await using var client = LspTestClient.Start(["serve", "--model", _temp.ScriptedModel("x")]);
        var response = await client.RequestAsync("textDocument/inlineCompletion", new
        {
            textDocument = new { uri = "file:///tmp/none.cs" },
            position = new { line = 0, character = 0 },
            context = new { triggerKind = 2 },
        });
        Assert.Equal(-32002, (int)response["error"]!["code"]!);
    }

    [Fact]
    public async Task Exit_without_shutdown_exits_with_code_1()
    {
        await using var client = LspTestClient.Start(["serve", "--model", _temp.ScriptedModel("x")]);
        await client.InitializeAsync(_temp.Path);
        await client.NotifyAsync("exit", null);
        Assert.Equal(1, await client.WaitForExitAsync(LspTestClient.HangGuard));
    }

    [Fact]
    public async Task Stdout_carries_only_protocol_and_status_reports_the_model_and_device()
    {
        await using var client = LspTestClient.Start(["serve", "--model", _temp.ScriptedModel("x")]);
        await client.InitializeAsync(_temp.Path);
        var ready = await client.WaitForNotificationAsync("codeAssist/status", n => (string?)n["params"]!["state"] == "ready");
        Assert.Equal("codeassist-scripted", (string?)ready["params"]!["model"]);
        Assert.Equal("cpu", (string?)ready["params"]!["device"]);
        Assert.Contains("serving LSP on stdio", client.Stderr);
    }

    public void Dispose() => _temp.Dispose();
}
