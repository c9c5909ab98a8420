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

    /// <summary>Kinds of pieces that need no semantic model: the windows, the syntax's outline, recent documents.</summary>
    private static readonly string[] TextOnlyKinds = ["prefix", "suffix", "scope", "recent"];

    [Fact]
    public async Task A_loose_file_completion_during_the_warm_up_is_answered_without_waiting_and_the_next_after_it_has_the_members()
    {
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var workspace = new CodeWorkspace { WarmUpsHeldUntil = held.Task };
        var warming = workspace.WarmLooseFilesAsync(CancellationToken.None);
        var documents = new DocumentStore();
        documents.Changed += workspace.Update;
        const string Text = "class Greeter\n{\n    string Shout(string name) => name.\n}\n";
        var path = Path.Combine(_temp.Path, "loose", "Greeter.cs");
        var opened = documents.Open(new Uri(path), "csharp", 1, Text);
        var offset = Text.IndexOf("name.", StringComparison.Ordinal) + "name.".Length;
        var builder = new ContextBuilder(workspace, ContextSources.Default(documents));

        // The warm-up has not even started binding: a build that waited for it would never end.
        var during = await builder.BuildAsync(opened, offset, 1536, CountTokens, Path.GetDirectoryName(path), CancellationToken.None);
        Assert.False(warming.IsCompleted);
        Assert.All(during.Pieces, p => Assert.Contains(p.Kind, TextOnlyKinds));
        Assert.Equal(0, workspace.SemanticModels.BasesBuilt);

        held.SetResult();
        await warming;
        var after = await builder.BuildAsync(opened, offset, 1536, CountTokens, Path.GetDirectoryName(path), CancellationToken.None);
        Assert.StartsWith("    // name is string; its members:", Assert.Single(after.Pieces, p => p.Kind == "members").Text, StringComparison.Ordinal);
        Assert.Equal(during.Prefix, after.Prefix);
    }

    [Fact]
    public async Task Documents_opened_before_the_warm_up_makes_the_workspace_wait_for_nothing_and_are_laid_over_it_when_it_is_made()
    {
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var workspace = new CodeWorkspace { WarmUpsHeldUntil = held.Task };
        var warming = workspace.WarmLooseFilesAsync(CancellationToken.None);
        var documents = new DocumentStore();
        documents.Changed += workspace.Update;
        documents.Closed += uri => workspace.Close(uri.LocalPath);
        var kept = new Uri(Path.Combine(_temp.Path, "loose", "Kept.cs"));
        var closed = new Uri(Path.Combine(_temp.Path, "loose", "Closed.cs"));
        documents.Open(kept, "csharp", 1, "class Kept\n{\n}\n");
        documents.Open(closed, "csharp", 1, "class Closed { }\n");
        var edited = documents.Change(kept, 2, [new DocumentEdit((1, 1), (1, 1), "\n    int Count;")]);
        documents.Close(closed);

        // Roslyn's workspace is not made yet (the warm-up that makes it is held): no Roslyn document, and no waiting for one.
        Assert.Null(workspace.GetDocument(edited));
        Assert.False(warming.IsCompleted);

        held.SetResult();
        await warming;
        var document = workspace.GetDocument(edited);
        Assert.NotNull(document);
        Assert.Equal(edited.Text.ToString(), (await document.GetTextAsync()).ToString());
        Assert.Equal(["Kept.cs"], workspace.CurrentSolution.Projects.SelectMany(p => p.Documents).Select(d => d.Name));
    }

    [Fact]
    public async Task A_completion_while_its_project_compiles_after_the_load_is_answered_without_waiting_and_the_next_after_it_has_the_members()
    {
        var folder = _temp.Fixture("Shop");
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var workspace = new CodeWorkspace { WarmUpsHeldUntil = held.Task };
        var documents = new DocumentStore();
        documents.Changed += workspace.Update;
        Assert.NotNull((await workspace.LoadProjectsAsync(SolutionLoader.FindProjectSystem([folder]), null, CancellationToken.None)).Solution);
        var uri = new Uri(Path.Combine(folder, "src/Checkout.cs"));
        var text = File.ReadAllText(uri.LocalPath);
        const string anchor = "var total = order.Total;";
        var offset = text.IndexOf(anchor, StringComparison.Ordinal) + anchor.Length;
        const string typed = "\n        var next = order.";
        var opened = documents.Open(uri, "csharp", 1, text.Insert(offset, typed));
        var builder = new ContextBuilder(workspace, ContextSources.Default(documents));

        var during = await builder.BuildAsync(opened, offset + typed.Length, 1536, CountTokens, folder, CancellationToken.None);
        Assert.False(workspace.Warming.IsCompleted);
        Assert.All(during.Pieces, p => Assert.Contains(p.Kind, TextOnlyKinds));
        Assert.Equal(0, workspace.SemanticModels.BasesBuilt);

        held.SetResult();
        await workspace.Warming;
        var after = await builder.BuildAsync(opened, offset + typed.Length, 1536, CountTokens, folder, CancellationToken.None);
        Assert.Contains("public bool RemoveLine(string sku);", Assert.Single(after.Pieces, p => p.Kind == "members").Text);
        // The warm-up built the compilation; the request bound its method against it.
        Assert.Equal(1, workspace.SemanticModels.BasesBuilt);
    }

    public void Dispose() => _temp.Dispose();
}
