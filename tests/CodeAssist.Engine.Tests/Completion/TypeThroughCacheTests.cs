using CodeAssist.Engine.Completion;
using CodeAssist.Engine.Documents;

namespace CodeAssist.Engine.Tests.Completion;

public sealed class TypeThroughCacheTests
{
    private static readonly Uri Uri = new("file:///t/Example.cs");

    [Fact]
    public void Typing_the_start_of_a_suggestion_answers_the_rest()
    {
        var store = new DocumentStore();
        var cache = new TypeThroughCache();
        var before = store.Open(Uri, "csharp", 1, "Console.\n}");
        cache.Remember(before, 8, ["WriteLine(\"hi\");"]);

        var typed = store.Change(Uri, 2, [new DocumentEdit((0, 8), (0, 8), "Wri")]);

        Assert.Equal(["teLine(\"hi\");"], cache.Lookup(typed, 11));
    }

    [Fact]
    public void Backspacing_into_the_suggestion_answers_from_there()
    {
        var store = new DocumentStore();
        var cache = new TypeThroughCache();
        var before = store.Open(Uri, "csharp", 1, "Console.\n}");
        cache.Remember(before, 8, ["WriteLine(\"hi\");"]);
        store.Change(Uri, 2, [new DocumentEdit((0, 8), (0, 8), "Writ")]);

        var backspaced = store.Change(Uri, 3, [new DocumentEdit((0, 11), (0, 12), "")]);

        Assert.Equal(["teLine(\"hi\");"], cache.Lookup(backspaced, 11));
    }

    [Fact]
    public void Typing_something_else_misses()
    {
        var store = new DocumentStore();
        var cache = new TypeThroughCache();
        cache.Remember(store.Open(Uri, "csharp", 1, "Console.\n}"), 8, ["WriteLine(\"hi\");"]);

        Assert.Empty(cache.Lookup(store.Change(Uri, 2, [new DocumentEdit((0, 8), (0, 8), "Read")]), 12));
    }

    [Fact]
    public void A_change_before_the_origin_or_after_the_cursor_misses()
    {
        var store = new DocumentStore();
        var cache = new TypeThroughCache();
        cache.Remember(store.Open(Uri, "csharp", 1, "Console.\n}"), 8, ["WriteLine(\"hi\");"]);

        Assert.Empty(cache.Lookup(store.Change(Uri, 2, [new DocumentEdit((0, 0), (0, 0), "System.")]), 15));
        Assert.Empty(cache.Lookup(store.Change(Uri, 3, [new DocumentEdit((1, 0), (1, 0), "x")]), 15));
    }

    [Fact]
    public void Typing_the_whole_suggestion_leaves_nothing_to_suggest()
    {
        var store = new DocumentStore();
        var cache = new TypeThroughCache();
        cache.Remember(store.Open(Uri, "csharp", 1, "a\n"), 1, ["bc"]);
        Assert.Empty(cache.Lookup(store.Change(Uri, 2, [new DocumentEdit((0, 1), (0, 1), "bc")]), 3));
    }

    [Fact]
    public void Clearing_forgets_every_suggestion()
    {
        var store = new DocumentStore();
        var cache = new TypeThroughCache();
        var document = store.Open(Uri, "csharp", 1, "Console.\n}");
        cache.Remember(document, 8, ["WriteLine();"]);

        cache.Clear();

        Assert.Empty(cache.Lookup(document, 8));
    }

    [Fact]
    public void The_least_recently_used_entry_goes_first()
    {
        var store = new DocumentStore();
        var cache = new TypeThroughCache(capacity: 2);
        var document = store.Open(Uri, "csharp", 1, "0123456789");
        cache.Remember(document, 1, ["a"]);
        cache.Remember(document, 2, ["b"]);
        Assert.Equal(["a"], cache.Lookup(document, 1));
        cache.Remember(document, 3, ["c"]);

        Assert.Equal(["a"], cache.Lookup(document, 1));
        Assert.Empty(cache.Lookup(document, 2));
        Assert.Equal(["c"], cache.Lookup(document, 3));
    }
}
