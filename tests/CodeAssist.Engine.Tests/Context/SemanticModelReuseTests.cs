using CodeAssist.Engine.Context;
using CodeAssist.Engine.Documents;
using CodeAssist.Engine.Workspace;
using CodeAssist.ModelFactory;

namespace CodeAssist.Engine.Tests.Context;

/// <summary>
/// Keystrokes inside a method body reuse the last compilation (the method is bound speculatively against it); a change
/// of declarations builds a new one. Either way the context is what a fresh compilation gives.
/// </summary>
public sealed class SemanticModelReuseTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly DocumentStore _documents = new();
    private readonly CodeWorkspace _workspace = new();
    private readonly string _folder;
    private int _version = 1;

    public SemanticModelReuseTests()
    {
        _documents.Changed += _workspace.Update;
        _folder = _temp.Fixture("Shop");
    }

    private static int CountTokens(string text) => ByteLevelBpeTokenizer.Default.Encode(text).Count;

    private async Task LoadAsync(CodeWorkspace workspace)
    {
        var result = await workspace.LoadProjectsAsync(SolutionLoader.FindProjectSystem([_folder]), null, CancellationToken.None);
        Assert.NotNull(result.Solution);
        // The warm-up builds the project's first base; counting starts with it.
        await workspace.Warming;
    }

    /// <summary>
    /// Types <paramref name="typed"/> at the end of the line that holds <paramref name="anchor"/> in an open file; returns the
    /// context at the end of it.
    /// </summary>
    private async Task<CompletionContext> TypeAsync(CodeWorkspace workspace, DocumentStore documents, Uri uri, string anchor, string typed)
    {
        var document = documents.TryGet(uri)!;
        var text = document.Text.ToString();
        var offset = text.IndexOf(anchor, StringComparison.Ordinal) + anchor.Length;
        var at = document.PositionOf(offset);
        var edited = documents.Change(uri, _version++, [new DocumentEdit(at, at, typed)]);
        return await new ContextBuilder(workspace, ContextSources.Default(documents))
            .BuildAsync(edited, offset + typed.Length, 1536, CountTokens, _folder, CancellationToken.None);
    }

    private Uri Open(DocumentStore documents, string relativePath)
    {
        var uri = new Uri(Path.Combine(_folder, relativePath));
        documents.Open(uri, "csharp", _version++, File.ReadAllText(uri.LocalPath));
        return uri;
    }

    [Fact]
    public async Task Keystrokes_in_a_method_body_reuse_one_compilation_and_give_the_context_a_fresh_one_gives()
    {
        await LoadAsync(_workspace);
        var checkout = Open(_documents, "src/Checkout.cs");

        await TypeAsync(_workspace, _documents, checkout, "var total = order.Total;", "\n        var first = order.");
        var typing = await TypeAsync(_workspace, _documents, checkout, "var first = order.", "Li");

        // Opening the file as it is on disk and typing inside Complete's body changed no declaration: one compilation.
        Assert.Equal(1, _workspace.SemanticModels.BasesBuilt);

        // The same text in a workspace that has never seen an edit: its one context build is a fresh compilation.
        var freshDocuments = new DocumentStore();
        using var fresh = new CodeWorkspace();
        freshDocuments.Changed += fresh.Update;
        await LoadAsync(fresh);
        var uri = new Uri(Path.Combine(_folder, "src/Checkout.cs"));
        var edited = _documents.TryGet(checkout)!;
        var offset = edited.Text.ToString().IndexOf("order.Li", StringComparison.Ordinal) + "order.Li".Length;
        var snapshot = freshDocuments.Open(uri, "csharp", 1, edited.Text.ToString());
        var expected = await new ContextBuilder(fresh, ContextSources.Default(freshDocuments))
            .BuildAsync(snapshot, offset, 1536, CountTokens, _folder, CancellationToken.None);

        Assert.Equal(expected.Pieces.Select(p => (p.Kind, p.Source, p.Text)), typing.Pieces.Select(p => (p.Kind, p.Source, p.Text)));
        Assert.Contains("public bool RemoveLine(string sku);", Assert.Single(typing.Pieces, p => p.Kind == "members").Text);
        Assert.Contains(typing.Pieces, p => p.Kind == "declaration" && p.Source == "src/Order.cs");
    }

    [Fact]
    public async Task A_second_request_for_the_same_text_is_answered_by_the_same_compilation()
    {
        // codeAssist/context after a completion, or a second candidate: the base's own tree, which Roslyn cannot
        // speculate on, is already the model for this text.
        await LoadAsync(_workspace);
        var checkout = Open(_documents, "src/Checkout.cs");
        var first = await TypeAsync(_workspace, _documents, checkout, "var total = order.Total;", "\n        var first = order.");
        var document = _documents.TryGet(checkout)!;
        var offset = document.Text.ToString().IndexOf("var first = order.", StringComparison.Ordinal) + "var first = order.".Length;

        var again = await new ContextBuilder(_workspace, ContextSources.Default(_documents))
            .BuildAsync(document, offset, 1536, CountTokens, _folder, CancellationToken.None);

        Assert.Equal(first.Pieces.Select(p => (p.Kind, p.Source, p.Text)), again.Pieces.Select(p => (p.Kind, p.Source, p.Text)));
        Assert.Equal(1, _workspace.SemanticModels.BasesBuilt);
    }

    [Fact]
    public async Task A_member_added_in_another_file_shows_after_the_dot_at_once()
    {
        await LoadAsync(_workspace);
        var checkout = Open(_documents, "src/Checkout.cs");
        var before = await TypeAsync(_workspace, _documents, checkout, "var total = order.Total;", "\n        var next = order.");
        Assert.DoesNotContain("Ship", Assert.Single(before.Pieces, p => p.Kind == "members").Text);

        var order = Open(_documents, "src/Order.cs");
        var typedInOrder = _documents.TryGet(order)!;
        var end = typedInOrder.Text.ToString().IndexOf("public bool RemoveLine", StringComparison.Ordinal);
        var at = typedInOrder.PositionOf(end);
        _documents.Change(order, _version++, [new DocumentEdit(at, at, "public void Ship(string carrier) { }\n\n    ")]);

        var after = await TypeAsync(_workspace, _documents, checkout, "var next = order.", "S");

        Assert.Contains("public void Ship(string carrier);", Assert.Single(after.Pieces, p => p.Kind == "members").Text);
        Assert.Equal(2, _workspace.SemanticModels.BasesBuilt);
    }

    [Fact]
    public async Task A_changed_signature_in_the_same_file_is_seen_by_the_next_keystroke()
    {
        await LoadAsync(_workspace);
        var checkout = Open(_documents, "src/Checkout.cs");
        await TypeAsync(_workspace, _documents, checkout, "var total = order.Total;", "\n        var again = this.");

        var document = _documents.TryGet(checkout)!;
        var signature = document.Text.ToString().IndexOf("public decimal Complete(Order order)", StringComparison.Ordinal)
            + "public decimal Complete(Order order".Length;
        var at = document.PositionOf(signature);
        _documents.Change(checkout, _version++, [new DocumentEdit(at, at, ", int attempts")]);
        var after = await TypeAsync(_workspace, _documents, checkout, "var again = this.", "C");

        Assert.Contains("public decimal Complete(Order order, int attempts);", Assert.Single(after.Pieces, p => p.Kind == "members").Text);
        Assert.Equal(2, _workspace.SemanticModels.BasesBuilt);
    }

    public void Dispose()
    {
        _workspace.Dispose();
        _temp.Dispose();
    }
}
