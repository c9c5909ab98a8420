using CodeAssist.Engine.Context;
using CodeAssist.Engine.Documents;
using CodeAssist.Engine.Workspace;
using CodeAssist.ModelFactory;

namespace CodeAssist.Engine.Tests.Workspace;

/// <summary>
/// When a load ends, the server's workspace builds each project's compilation in the background, so the first
/// keystroke in a project binds only its method; the context is what a cold workspace gives.
/// </summary>
public sealed class CompilationWarmUpTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    private static int CountTokens(string text) => ByteLevelBpeTokenizer.Default.Encode(text).Count;

    private static async Task<(CompletionContext Context, int BasesAfterLoad, int BasesAfterBuild)> FirstKeystroke(bool warm, string folder)
    {
        using var workspace = new CodeWorkspace { WarmCompilationsAfterLoad = warm };
        var documents = new DocumentStore();
        documents.Changed += workspace.Update;
        Assert.NotNull((await workspace.LoadProjectsAsync(SolutionLoader.FindProjectSystem([folder]), null, CancellationToken.None)).Solution);
        await workspace.Warming;
        var basesAfterLoad = workspace.SemanticModels.BasesBuilt;

        var uri = new Uri(Path.Combine(folder, "src/Checkout.cs"));
        var opened = documents.Open(uri, "csharp", 1, File.ReadAllText(uri.LocalPath));
        var anchor = "var total = order.Total;";
        var offset = opened.Text.ToString().IndexOf(anchor, StringComparison.Ordinal) + anchor.Length;
        var at = opened.PositionOf(offset);
        const string typed = "\n        var next = order.";
        var edited = documents.Change(uri, 2, [new DocumentEdit(at, at, typed)]);
        var context = await new ContextBuilder(workspace, ContextSources.Default(documents))
            .BuildAsync(edited, offset + typed.Length, 1536, CountTokens, folder, CancellationToken.None);
        return (context, basesAfterLoad, workspace.SemanticModels.BasesBuilt);
    }

    [Fact]
    public async Task The_first_keystroke_after_a_warmed_load_builds_no_compilation_and_sees_what_a_cold_one_does()
    {
        var folder = _temp.Fixture("Shop");

        var warmed = await FirstKeystroke(warm: true, folder);
        var cold = await FirstKeystroke(warm: false, folder);

        Assert.Equal(1, warmed.BasesAfterLoad);
        Assert.Equal(1, warmed.BasesAfterBuild);
        Assert.Equal((0, 1), (cold.BasesAfterLoad, cold.BasesAfterBuild));
        Assert.Equal(cold.Context.Pieces.Select(p => (p.Kind, p.Source, p.Text)), warmed.Context.Pieces.Select(p => (p.Kind, p.Source, p.Text)));
        Assert.Contains("public bool RemoveLine(string sku);", Assert.Single(warmed.Context.Pieces, p => p.Kind == "members").Text);
    }

    private async Task<CompletionContext> LooseFileAfterTheDot(bool warm)
    {
        using var workspace = new CodeWorkspace();
        if (warm)
            await workspace.WarmLooseFilesAsync(CancellationToken.None);
        var documents = new DocumentStore();
        documents.Changed += workspace.Update;
        const string Text = "class Greeter\n{\n    string Shout(string name) => name.\n}\n";
        var path = Path.Combine(_temp.Path, warm ? "warm" : "cold", "Greeter.cs");
        var opened = documents.Open(new Uri(path), "csharp", 1, Text);
        var offset = Text.IndexOf("name.", StringComparison.Ordinal) + "name.".Length;
        return await new ContextBuilder(workspace, ContextSources.Default(documents))
            .BuildAsync(opened, offset, 1536, CountTokens, Path.GetDirectoryName(path), CancellationToken.None);
    }

    [Fact]
    public async Task A_loose_file_after_the_workspace_was_warmed_sees_what_a_cold_workspace_does()
    {
        var warmed = await LooseFileAfterTheDot(warm: true);
        var cold = await LooseFileAfterTheDot(warm: false);

        Assert.Equal(cold.Pieces.Select(p => (p.Kind, p.Text)), warmed.Pieces.Select(p => (p.Kind, p.Text)));
        Assert.Single(warmed.Pieces, p => p.Kind == "members");
    }

    public void Dispose() => _temp.Dispose();
}
