using System.Text.Json.Nodes;

namespace CodeAssist.Server.Tests;

/// <summary>
/// The AI refactorings over real stdio, on a real project the server loads with MSBuildWorkspace and a scripted model:
/// listing, resolving, the compiler refusing an edit, and codeassist.rewrite answered with workspace/applyEdit.
/// </summary>
public sealed class CodeActionTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    private const string Project = SampleProjects.LibraryProject;

    private const string Order = """
        namespace Shop;

        public sealed class Order
        {
            private readonly List<decimal> _prices = new();

            public decimal Total => _prices.Sum();

            public void Add(decimal price)
            {
                if (price < 0)
                    throw new ArgumentOutOfRangeException(nameof(price));
                _prices.Add(price);
            }
        }

        """;

    private static object Range(int startLine, int startCharacter, int endLine, int endCharacter) =>
        new { start = new { line = startLine, character = startCharacter }, end = new { line = endLine, character = endCharacter } };

    /// <summary>Starts the server on a one-project workspace and waits until the project is loaded.</summary>
    private async Task<(LspTestClient Client, string Path, string Uri)> StartAsync(string script, int heldGenerations = 0)
    {
        _temp.WriteFile("Shop/Shop.csproj", Project);
        var path = _temp.WriteFile("Shop/Order.cs", Order);
        var client = InProcessServer.Serve(_temp.ScriptedModel(script), heldGenerations: heldGenerations);
        await client.InitializeAsync(_temp.Combine("Shop"));
        await client.OpenAsync(path, Order);
        await client.WaitForProjectsLoadedAsync();
        await client.WaitForNotificationAsync("codeAssist/status", n => (string?)n["params"]!["state"] == "ready", LspTestClient.HangGuard);
        return (client, path, new Uri(path).AbsoluteUri);
    }

    private static async Task<long> GenerationsAsync(LspTestClient client) =>
        (long)(await client.RequestAsync("codeAssist/stats", null))["result"]!["generations"]!;

    [Fact]
    public async Task Document_this_member_is_listed_without_the_model_and_resolves_to_the_exact_comment_lines()
    {
        var (client, _, uri) = await StartAsync(
            "```csharp\n/// <summary>Adds the price of one item.</summary>\n/// <param name=\"price\">Not negative.</param>\n```");
        await using var _ = client;

        var listed = await client.RequestAsync("textDocument/codeAction", new
        {
            textDocument = new { uri },
            range = Range(8, 17, 8, 17),
            context = new { diagnostics = Array.Empty<object>() },
        });

        var actions = listed["result"]!.AsArray();
        Assert.Equal(
            ["CodeAssist: Document this member", "CodeAssist: Add argument validation", "CodeAssist: Simplify", "CodeAssist: Generate xunit tests"],
            actions.Select(a => (string?)a!["title"]));
        Assert.All(actions, a => Assert.Null(a!["edit"]));
        Assert.Equal(0, await GenerationsAsync(client));

        var document = actions.Single(a => (string?)a!["title"] == "CodeAssist: Document this member")!;
        Assert.Equal("refactor.rewrite", (string?)document["kind"]);
        var resolved = await client.RequestAsync("codeAction/resolve", document.DeepClone());

        var edit = resolved["result"]!["edit"]!["documentChanges"]!.AsArray();
        Assert.Equal(JsonNode.Parse($$"""
            [{
              "textDocument": { "uri": "{{uri}}", "version": 1 },
              "edits": [{
                "range": { "start": { "line": 8, "character": 0 }, "end": { "line": 8, "character": 0 } },
                "newText": "    /// <summary>Adds the price of one item.</summary>\n    /// <param name=\"price\">Not negative.</param>\n"
              }]
            }]
            """)!.ToJsonString(), edit.ToJsonString());
        Assert.Equal(1, await GenerationsAsync(client));
        Assert.Equal(0, await client.ShutdownAndExitAsync());
    }

    [Fact]
    public async Task An_edit_that_does_not_compile_is_refused_with_request_failed_and_a_message()
    {
        var (client, _, uri) = await StartAsync("""
            public void Add(decimal price)
            {
                ArgumentOutOfRangeException.ThrowIfNegative(price);
                _prices.Append(price).Commit();
            }
            """);
        await using var _ = client;
        var listed = await client.RequestAsync("textDocument/codeAction", new { textDocument = new { uri }, range = Range(8, 17, 8, 17), context = new { } });
        var validate = listed["result"]!.AsArray().Single(a => (string?)a!["title"] == "CodeAssist: Add argument validation")!;

        var resolved = await client.RequestAsync("codeAction/resolve", validate.DeepClone());

        Assert.Null(resolved["result"]);
        Assert.Equal(-32803, (int)resolved["error"]!["code"]!);
        Assert.Contains("CS1061", (string?)resolved["error"]!["message"]);
        var shown = await client.WaitForNotificationAsync("window/showMessage", _ => true);
        Assert.Equal(1, (int)shown["params"]!["type"]!);
        Assert.StartsWith("CodeAssist: Add argument validation was not applied: the edit would not compile", (string?)shown["params"]!["message"]);
        Assert.Equal(0, await client.ShutdownAndExitAsync());
    }

    [Fact]
    public async Task Rewrite_command_sends_the_validated_edit_with_workspace_apply_edit()
    {
        var (client, _, uri) = await StartAsync("""
            ```csharp
            public decimal Total
            {
                get
                {
                    decimal total = 0;
                    foreach (var price in _prices)
                        total += price;
                    return total;
                }
            }
            ```
            """);
        await using var _ = client;
        client.ServerRequestHandler = request => (string?)request["method"] == "workspace/applyEdit" ? new JsonObject { ["applied"] = true } : null;

        var answer = await client.RequestAsync("workspace/executeCommand", new
        {
            command = "codeassist.rewrite",
            arguments = new object[] { uri, Range(6, 4, 6, 42), "use a loop instead of LINQ" },
        });

        Assert.Null(answer["error"]);
        var applyEdit = Assert.Single(client.ServerRequests, r => (string?)r["method"] == "workspace/applyEdit");
        // The JSON-escaped text of the reply's block, indented as the property it replaces.
        const string newText = """    public decimal Total\n    {\n        get\n        {\n            decimal total = 0;\n""" +
            """            foreach (var price in _prices)\n                total += price;\n            return total;\n        }\n    }\n""";
        Assert.Equal(JsonNode.Parse($$"""
            {
              "label": "CodeAssist: rewrite",
              "edit": { "documentChanges": [{
                "textDocument": { "uri": "{{uri}}", "version": 1 },
                "edits": [{
                  "range": { "start": { "line": 6, "character": 0 }, "end": { "line": 7, "character": 0 } },
                  "newText": "{{newText}}"
                }]
              }]}
            }
            """)!.ToJsonString(), applyEdit["params"]!.ToJsonString());
        Assert.Contains(client.ServerRequests, r => (string?)r["method"] == "window/workDoneProgress/create");
        Assert.Equal(0, await client.ShutdownAndExitAsync());
    }

    [Fact]
    public async Task Cancelling_a_resolve_answers_request_cancelled_and_ends_the_progress()
    {
        // The generation is held after its first token until cancelled: it is certainly running when the cancel comes.
        var (client, _, uri) = await StartAsync(string.Concat(Enumerable.Repeat("Step(); ", 1000)), heldGenerations: 1);
        await using var _ = client;
        var listed = await client.RequestAsync("textDocument/codeAction", new { textDocument = new { uri }, range = Range(8, 17, 8, 17), context = new { } });
        var tests = listed["result"]!.AsArray().Single(a => (string?)a!["title"] == "CodeAssist: Generate xunit tests")!;

        var (id, response) = client.StartRequest("codeAction/resolve", tests.DeepClone());
        await client.WaitForNotificationAsync("$/progress", n => (string?)n["params"]!["value"]!["title"] == "CodeAssist: Generate xunit tests");
        await client.NotifyAsync("$/cancelRequest", new { id });
        var answer = await response;

        Assert.Equal(-32800, (int)answer["error"]!["code"]!);
        await client.WaitForNotificationAsync("$/progress", n => (string?)n["params"]!["value"]!["message"] == "cancelled");
        Assert.DoesNotContain(client.ServerRequests, r => (string?)r["method"] == "workspace/applyEdit");
        Assert.Equal(0, await client.ShutdownAndExitAsync());
    }

    [Fact]
    public async Task A_selection_of_whole_statements_offers_extract_method_and_rewrite_with_the_clients_command()
    {
        var (client, _, uri) = await StartAsync("");
        await using var _ = client;

        var listed = await client.RequestAsync("textDocument/codeAction", new
        {
            textDocument = new { uri },
            range = Range(10, 8, 11, 65),
            context = new { only = new[] { "refactor" } },
        });

        var actions = listed["result"]!.AsArray();
        var extract = actions.Single(a => (string?)a!["title"] == "CodeAssist: Extract method")!;
        Assert.Equal("refactor.extract", (string?)extract["kind"]);
        Assert.Equal(JsonNode.Parse($$"""
            {
              "refactoring": "extract", "uri": "{{uri}}",
              "range": { "start": { "line": 10, "character": 8 }, "end": { "line": 11, "character": 65 } }, "version": 1
            }
            """)!.ToJsonString(), extract["data"]!.ToJsonString());
        var rewrite = actions.Single(a => (string?)a!["title"] == "CodeAssist: Rewrite with instruction…")!;
        Assert.Equal("codeassist.rewriteWithInstruction", (string?)rewrite["command"]!["command"]);
        Assert.DoesNotContain(actions, a => ((string?)a!["kind"])!.StartsWith("source", StringComparison.Ordinal));
        Assert.Equal(0, await GenerationsAsync(client));
        Assert.Equal(0, await client.ShutdownAndExitAsync());
    }

    [Fact]
    public async Task The_refactor_command_prints_a_unified_diff_and_writes_the_file_only_with_apply()
    {
        _temp.WriteFile("Shop/Shop.csproj", Project);
        var path = _temp.WriteFile("Shop/Order.cs", Order);
        var model = _temp.ScriptedModel("/// <summary>Adds the price of one item.</summary>");
        string[] arguments = ["refactor", path, "--line", "9", "--column", "17", "--action", "document", "--model", model, "--device", "cpu"];

        var printed = await LspTestClient.RunCliAsync(arguments);

        Assert.Equal(0, printed.ExitCode);
        Assert.Equal("""
            --- a/Order.cs
            +++ b/Order.cs
            @@ -6,6 +6,7 @@
             
                 public decimal Total => _prices.Sum();
             
            +    /// <summary>Adds the price of one item.</summary>
                 public void Add(decimal price)
                 {
                     if (price < 0)

            """, printed.Stdout);
        Assert.Equal(Order, await File.ReadAllTextAsync(path));

        var applied = await LspTestClient.RunCliAsync([.. arguments, "--apply"]);

        Assert.Equal(0, applied.ExitCode);
        Assert.Equal(Order.Replace("    public void Add", "    /// <summary>Adds the price of one item.</summary>\n    public void Add"),
            await File.ReadAllTextAsync(path));
    }

    [Fact]
    public async Task The_refactor_command_runs_on_a_team_server_named_by_backend()
    {
        const string model = "Qwen/Qwen2.5-Coder-7B-Instruct";
        await using var team = await TeamServerStandIns.StandInServer.StartAsync();
        team.On("GET /v1/models", TeamServerStandIns.Replies.Json(TeamServerStandIns.EngineFixtures.OpenAiModels(model)))
            .On("POST /v1/chat/completions", TeamServerStandIns.Replies.Sse(
                TeamServerStandIns.EngineFixtures.OpenAiChatChunks(model, ["/// <summary>Adds the price", " of one item.</summary>"])));
        _temp.WriteFile("Shop/Shop.csproj", Project);
        var path = _temp.WriteFile("Shop/Order.cs", Order);

        var result = await LspTestClient.RunCliAsync(
            ["refactor", path, "--line", "9", "--column", "17", "--action", "document", "--backend", $"openai={team.Url}"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("+    /// <summary>Adds the price of one item.</summary>", result.Stdout, StringComparison.Ordinal);
        Assert.Contains($"with {model} on openai at {team.Url.ToString().TrimEnd('/')}", result.Stderr, StringComparison.Ordinal);
        var chat = team.Requests.Single(r => r.Path == "/v1/chat/completions");
        Assert.Contains("public void Add(decimal price)", chat.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_refactor_command_exits_with_the_reason_when_the_compiler_refuses_the_edit()
    {
        _temp.WriteFile("Shop/Shop.csproj", Project);
        var path = _temp.WriteFile("Shop/Order.cs", Order);
        var model = _temp.ScriptedModel("public decimal Total => _prices.Summed();");

        var result = await LspTestClient.RunCliAsync(
            ["refactor", path, "--line", "7", "--column", "20", "--action", "simplify", "--model", model, "--device", "cpu", "--apply"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("", result.Stdout);
        Assert.Contains("Simplify refused", result.Stderr);
        Assert.Contains("CS1061", result.Stderr);
        Assert.Equal(Order, await File.ReadAllTextAsync(path));
    }

    [Theory]
    [InlineData("a\nb\nc\n", "a\nB\nc\n", "@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n")]
    [InlineData("1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n", "0\n1\n2\n3\n4\n5\n6\n7\n8\n9\n", "@@ -1,3 +1,4 @@\n+0\n 1\n 2\n 3\n@@ -7,4 +8,3 @@\n 7\n 8\n 9\n-10\n")]
    [InlineData("a\nb", "a\nb\n", "@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n")]
    public void Unified_diff_prints_hunks_as_diff_u_does(string before, string after, string hunks) =>
        Assert.Equal("--- a/f.cs\n+++ b/f.cs\n" + hunks, Cli.UnifiedDiff.Format("f.cs", "f.cs", before, after));

    [Fact]
    public void Unified_diff_of_a_new_file_starts_from_dev_null() =>
        Assert.Equal("--- /dev/null\n+++ b/t/ATests.cs\n@@ -0,0 +1,2 @@\n+using Xunit;\n+\n",
            Cli.UnifiedDiff.Format(null, "t/ATests.cs", "", "using Xunit;\n\n"));

    public void Dispose() => _temp.Dispose();
}
