using CodeAssist.ModelFactory;

namespace CodeAssist.Server.Tests;

/// <summary>
/// The semantic context end to end, through `codeassist serve` on a project MSBuildWorkspace loads, with the
/// context-echo model: its reply is the marked identifier (Greek first letter) that reached it through a context
/// piece, so each completion below is right only if Roslyn's context made it into the prompt. The engine tests
/// (ContextReachesTheModelTests) show the same requests failing with each source switched off.
/// </summary>
public sealed class ContextEndToEndTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    /// <summary>Crate and Shipping live in the current file, which the echo model ignores; Stock lives in Stock.cs.</summary>
    private const string Program = SampleProjects.DepotProgram;

    private const string Stock = SampleProjects.DepotStock;

    private static object At(string path, (int Line, int Character) position) => new
    {
        textDocument = new { uri = new Uri(path).AbsoluteUri },
        position = new { line = position.Line, character = position.Character },
        context = new { triggerKind = 2 },
    };

    private static (int Line, int Character) PositionOf(string text, int offset)
    {
        var before = text[..offset];
        return (before.Count(c => c == '\n'), offset - (before.LastIndexOf('\n') + 1));
    }

    [Fact]
    public async Task Members_overloads_and_declarations_from_another_file_reach_the_model()
    {
        var root = _temp.Combine("Depot");
        _temp.WriteFile("Depot/Depot.csproj", SampleProjects.MinimalProject);
        _temp.WriteFile("Depot/Stock.cs", Stock);
        var path = _temp.WriteFile("Depot/Program.cs", Program.Replace("$0", ""));
        var model = _temp.Combine("echo");
        ModelFolderWriter.WriteContextEcho(model);
        await using var client = LspTestClient.Start(["serve", "--model", model]);
        await client.InitializeAsync(root);
        // The echo model copies a context identifier whether or not it fits the position; the compiler check would
        // rightly drop some of them. This test is about the context reaching the model, so the check is off.
        await client.NotifyAsync("workspace/didChangeConfiguration", new { settings = new { codeassist = new { compilerCheck = false } } });
        await client.WaitForCompilationsReadyAsync();

        var version = 1;
        foreach (var (line, expected, pieceKind) in new[]
        {
            ("crate.$0", "ΩWeight", "members"),
            ("Shipping.Send($0", "λCrates", "overloads"),
            ("var reserved = $0", "ΣReserved", "declaration"),
        })
        {
            var markup = Program.Replace("$0", line);
            var offset = markup.IndexOf("$0", StringComparison.Ordinal);
            var text = markup.Remove(offset, 2);
            if (version > 1)
                await client.NotifyAsync("textDocument/didClose", new { textDocument = new { uri = new Uri(path).AbsoluteUri } });
            await client.OpenAsync(path, text, version: version++);
            var position = PositionOf(text, offset);

            var context = (await client.RequestAsync("codeAssist/context", At(path, position)))["result"]!;
            var pieces = context["pieces"]!.AsArray().Select(p => p!).ToList();
            var carrying = pieces.Where(p => ((string?)p["text"])!.Contains(expected, StringComparison.Ordinal)).Select(p => (string?)p["kind"]).ToList();
            Assert.True(carrying.Contains(pieceKind),
                $"{line}: the pieces holding {expected} are [{string.Join(", ", carrying)}], not {pieceKind}; " +
                $"all: {string.Join(", ", pieces.Select(p => (string?)p["kind"]))}");
            Assert.Contains(expected, (string?)context["prompt"], StringComparison.Ordinal);

            var inline = await client.RequestAsync("textDocument/inlineCompletion", At(path, position));
            Assert.Equal(expected, (string?)Assert.Single(inline["result"]!["items"]!.AsArray())!["insertText"]);
            var completion = await client.RequestAsync("textDocument/completion", At(path, position));
            Assert.Equal(expected, (string?)completion["result"]!["items"]![0]!["label"]);
        }
        Assert.Equal(0, await client.ShutdownAndExitAsync());
    }

    public void Dispose() => _temp.Dispose();
}
