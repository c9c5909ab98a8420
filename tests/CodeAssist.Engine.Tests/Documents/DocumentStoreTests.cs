using CodeAssist.Engine.Documents;

namespace CodeAssist.Engine.Tests.Documents;

public sealed class DocumentStoreTests
{
    private static readonly Uri Uri = new("file:///work/Example.cs");

    [Fact]
    public void Positions_are_utf16_code_units_as_lsp_says()
    {
        var store = new DocumentStore();
        // "😀" is two UTF-16 code units: the character after it is at 2, not 1.
        var document = store.Open(Uri, "csharp", 1, "var s = \"😀x\";\nnext");

        Assert.Equal(document.Text.ToString().IndexOf('x'), document.OffsetOf(0, 11));
        Assert.Equal((0, 11), document.PositionOf(document.Text.ToString().IndexOf('x')));
        Assert.Equal(document.Text.ToString().IndexOf("next", StringComparison.Ordinal), document.OffsetOf(1, 0));
    }

    [Fact]
    public void A_character_past_the_line_end_means_the_line_end_and_a_line_past_the_end_has_no_offset()
    {
        var document = new DocumentStore().Open(Uri, "csharp", 1, "ab\ncd");

        Assert.Equal(2, document.OffsetOf(0, 50));
        Assert.Null(document.OffsetOf(2, 0));
        Assert.Null(document.OffsetOf(-1, 0));
    }

    [Fact]
    public void Incremental_changes_apply_in_order_and_bump_the_version()
    {
        var store = new DocumentStore();
        store.Open(Uri, "csharp", 1, "class A\n{\n}\n");

        var changed = store.Change(Uri, 3,
        [
            new DocumentEdit((1, 1), (1, 1), "\n    int x;"),
            new DocumentEdit((0, 6), (0, 7), "Renamed"),
        ]);

        Assert.Equal("class Renamed\n{\n    int x;\n}\n", changed.Text.ToString());
        Assert.Equal(3, changed.Version);
        Assert.Equal(0, changed.LastEditLine);
    }

    [Fact]
    public void A_full_change_replaces_the_text()
    {
        var store = new DocumentStore();
        store.Open(Uri, "csharp", 1, "old");
        Assert.Equal("new text", store.Change(Uri, 2, [new DocumentEdit(null, null, "new text")]).Text.ToString());
    }

    [Fact]
    public void Changing_a_document_that_is_not_open_is_a_bad_request()
    {
        var error = Assert.Throws<BadRequestException>(() => new DocumentStore().Change(Uri, 2, [new DocumentEdit(null, null, "x")]));
        Assert.Contains("didOpen", error.Message);
    }

    [Fact]
    public void Closing_forgets_the_document()
    {
        var store = new DocumentStore();
        store.Open(Uri, "csharp", 1, "x");
        store.Close(Uri);
        Assert.Null(store.TryGet(Uri));
    }
}
