using System.Text.Json.Nodes;

namespace CodeAssist.Server.Tests;

/// <summary>
/// codeAssist/nextEdit over real stdio, on a project the server loads with MSBuildWorkspace and a scripted model: the
/// user adds a parameter to a method keystroke by keystroke, the server points at the call it broke in another file,
/// fills it with the model, validates it on a fork, and counts the acceptance.
/// </summary>
public sealed class NextEditOverStdioTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    private const string Project = SampleProjects.LibraryProject;

    private const string Order = SampleProjects.ShopOrder;

    private const string Checkout = SampleProjects.ShopCheckout;

    private static object Position(int line, int character) => new { line, character };

    [Fact]
    public async Task A_signature_change_gets_the_call_sites_fix_suggested_validated_and_accepted()
    {
        _temp.WriteFile("Shop/Shop.csproj", Project);
        var orderPath = _temp.WriteFile("Shop/Order.cs", Order);
        var checkoutPath = _temp.WriteFile("Shop/Checkout.cs", Checkout);
        await using var client = LspTestClient.Start(["serve", "--model", _temp.ScriptedModel("        order.AddLine(\"tea\", 2m, \"\");\n")]);
        await client.InitializeAsync(_temp.Combine("Shop"));
        await client.OpenAsync(orderPath, Order);
        await client.WaitForProjectsLoadedAsync();
        await client.WaitForNotificationAsync("codeAssist/status", n => (string?)n["params"]!["state"] == "ready", LspTestClient.HangGuard);
        var orderUri = new Uri(orderPath).AbsoluteUri;
        var checkoutUri = new Uri(checkoutPath).AbsoluteUri;
        Task<JsonObject> NextEditAsync(string uri, object position, int atVersion) =>
            client.RequestAsync("codeAssist/nextEdit", new { textDocument = new { uri }, position, version = atVersion });

        // The user types ", string note" into the signature, one keystroke per didChange.
        const int signatureLine = 8;
        var column = Order.Split('\n')[signatureLine].IndexOf("decimal price", StringComparison.Ordinal) + "decimal price".Length;
        var version = 1;
        foreach (var typed in ", string note")
        {
            await client.NotifyAsync("textDocument/didChange", new
            {
                textDocument = new { uri = orderUri, version = ++version },
                contentChanges = new object[]
                {
                    new { range = new { start = Position(signatureLine, column), end = Position(signatureLine, column) }, text = typed.ToString() },
                },
            });
            column++;
        }

        var stale = await NextEditAsync(orderUri, Position(signatureLine, column), 1);
        Assert.Empty(stale["result"]!["edits"]!.AsArray());

        var answer = (await NextEditAsync(orderUri, Position(signatureLine, column), version))["result"]!;

        var call = Checkout.Split('\n')[7].IndexOf("2m", StringComparison.Ordinal) + 2;
        var edit = Assert.Single(answer["edits"]!.AsArray())!;
        Assert.Equal(JsonNode.Parse($$"""
            { "textDocument": { "uri": "{{checkoutUri}}" },
              "range": { "start": { "line": 7, "character": {{call}} }, "end": { "line": 7, "character": {{call}} } },
              "newText": ", \"\"" }
            """)!.ToJsonString(), new JsonObject
        {
            ["textDocument"] = edit["textDocument"]!.DeepClone(), ["range"] = edit["range"]!.DeepClone(), ["newText"] = edit["newText"]!.DeepClone(),
        }.ToJsonString());
        Assert.StartsWith("CS7036", (string?)edit["reason"]);
        Assert.Equal("codeassist.didAcceptNextEdit", (string?)answer["command"]!["command"]);
        Assert.Empty(answer["inlineCompletionItems"]!.AsArray());

        // The user jumps to the call: with the cursor on its line, the edit is an inline completion item too.
        await client.OpenAsync(checkoutPath, Checkout);
        var there = (await NextEditAsync(checkoutUri, Position(7, 8), 1))["result"]!;
        Assert.Equal(1, (int?)there["edits"]![0]!["textDocument"]!["version"]);
        var item = Assert.Single(there["inlineCompletionItems"]!.AsArray())!;
        Assert.Equal("order.AddLine(\"tea\", 2m, \"\"", (string?)item["insertText"]);
        Assert.Equal(JsonNode.Parse($$"""{ "start": { "line": 7, "character": 8 }, "end": { "line": 7, "character": {{call}} } }""")!.ToJsonString(),
            item["range"]!.ToJsonString());

        // textDocument/inlineCompletion on that line consults the validated edit instead of generating (generations stay 2).
        var ghost = (await client.RequestAsync("textDocument/inlineCompletion",
            new { textDocument = new { uri = checkoutUri }, position = Position(7, 8), context = new { triggerKind = 2 } }))["result"]!;
        var ghostItem = Assert.Single(ghost["items"]!.AsArray())!;
        Assert.Equal(item.ToJsonString(), ghostItem.ToJsonString());
        Assert.Equal("codeassist.didAcceptNextEdit", (string?)ghostItem["command"]!["command"]);

        // Accepted: the client applies the edit and runs the command.
        await client.NotifyAsync("textDocument/didChange", new
        {
            textDocument = new { uri = checkoutUri, version = 2 },
            contentChanges = new object[] { new { range = new { start = Position(7, call), end = Position(7, call) }, text = ", \"\"" } },
        });
        var command = there["command"]!;
        var accepted = await client.RequestAsync("workspace/executeCommand",
            new { command = (string?)command["command"], arguments = command["arguments"]!.DeepClone() });
        Assert.Null(accepted["error"]);

        var stats = (await client.RequestAsync("codeAssist/stats", null))["result"]!;
        Assert.Equal(JsonNode.Parse("""{ "requests": 2, "shown": 2, "accepted": 1, "dropped": 0 }""")!.ToJsonString(), stats["nextEdits"]!.ToJsonString());
        Assert.Equal(2, (int)stats["generations"]!);
        Assert.Equal(0, await client.ShutdownAndExitAsync());
    }

    public void Dispose() => _temp.Dispose();
}
