using CodeAssist.Engine.Completion.PostProcessing;
using CodeAssist.Engine.Documents;

namespace CodeAssist.Engine.Tests.Completion;

/// <summary>
/// Each post-processing rule on its own. `$0` marks the cursor in the document; the raw suggestion is what a model
/// might produce there.
/// </summary>
public sealed class PostProcessingRuleTests
{
    private static SuggestionSite Site(string markup, bool multiline = true)
    {
        var offset = markup.IndexOf("$0", StringComparison.Ordinal);
        var document = new DocumentStore().Open(new Uri("file:///t/Example.cs"), "csharp", 1, markup.Remove(offset, 2));
        return SuggestionSite.At(document, offset, multiline);
    }

    private static string? Process(string markup, string raw, bool multiline = true)
    {
        var offset = markup.IndexOf("$0", StringComparison.Ordinal);
        var document = new DocumentStore().Open(new Uri("file:///t/Example.cs"), "csharp", 1, markup.Remove(offset, 2));
        return SuggestionPostProcessor.Process(raw, document, offset, multiline, CancellationToken.None);
    }

    [Theory]
    [InlineData("var x = $0;", "Compute(1, 2);", "Compute(1, 2)")]
    [InlineData("Console.WriteLine($0);", "\"hi\");", "\"hi\"")]
    [InlineData("Console.WriteLine($0", "\"hi\");", "\"hi\");")]
    [InlineData("if (ready$0)", ")", "")]
    public void The_rest_of_the_line_is_not_typed_again(string markup, string raw, string expected) =>
        Assert.Equal(expected, SuffixOverlapTrimmer.Apply(raw, Site(markup)));

    [Fact]
    public void A_block_stops_where_it_repeats_the_next_line_below_the_cursor()
    {
        const string markup = "    void M()\n    {\n        $0\n        return;\n    }";
        Assert.Equal("var a = 1;\n        Use(a);", SuffixOverlapTrimmer.Apply("var a = 1;\n        Use(a);\n        return;\n    }", Site(markup)));
    }

    [Theory]
    [InlineData("Console.WriteLine($0)", "\"hi\");", "\"hi\"")]
    [InlineData("var list = new List<int> { 1, $0 };", "2, 3 };", "2, 3 ")]
    [InlineData("Console.WriteLine(\"$0\");", "hello\");", "hello")]
    [InlineData("Use(Math.Max($0));", "a, b));", "a, b")]
    [InlineData("Use($0", "Math.Max(a, b));", "Math.Max(a, b));")]
    public void A_closer_the_rest_of_the_line_already_has_is_not_added(string markup, string raw, string expected) =>
        Assert.Equal(expected, BracketBalancer.Apply(raw, Site(markup)));

    [Fact]
    public void Mid_line_a_suggestion_is_one_line()
    {
        Assert.Equal("a + b;", LineModeLimiter.Apply("a + b;\nreturn x;", Site("var x = $0")));
    }

    [Fact]
    public void At_a_line_start_a_block_ends_where_indentation_drops_below_the_start()
    {
        const string markup = "    void M()\n    {\n        $0\n";
        const string raw = "if (x)\n        {\n            Run();\n        }\n    }\n\n    void N() { }";
        Assert.Equal("if (x)\n        {\n            Run();\n        }", LineModeLimiter.Apply(raw, Site(markup)));
    }

    [Fact]
    public void With_multiline_off_a_line_start_still_gets_one_line()
    {
        Assert.Equal("if (x)", LineModeLimiter.Apply("if (x)\n{\n}", Site("    $0\n", multiline: false)));
    }

    [Fact]
    public void Trailing_whitespace_and_blank_lines_go()
    {
        Assert.Equal("a();\n    b();", WhitespaceTrimmer.Apply("a();   \r\n    b();\t\n\n\n", Site("$0")));
    }

    [Theory]
    [InlineData("   ")]
    [InlineData("\n\n")]
    [InlineData("")]
    public void Whitespace_only_suggestions_are_dropped(string raw) => Assert.Null(Process("var x = $0", raw));

    [Fact]
    public void A_csharp_suggestion_that_adds_syntax_errors_is_dropped()
    {
        const string markup = "class C\n{\n    void M()\n    {\n        var x = $0\n    }\n}\n";
        Assert.Null(Process(markup, "1 + ) * ((;"));
        Assert.Equal("1 + 2;", Process(markup, "1 + 2;"));
    }

    [Fact]
    public void A_suggestion_in_a_file_that_is_not_csharp_is_not_parsed_as_csharp()
    {
        var document = new DocumentStore().Open(new Uri("file:///t/notes.py"), "python", 1, "x = ");
        Assert.Equal("1 + ) * ((", SuggestionPostProcessor.Process("1 + ) * ((", document, 4, true, CancellationToken.None));
    }
}
