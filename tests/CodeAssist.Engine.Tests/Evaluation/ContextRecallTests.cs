using CodeAssist.Engine.Context;
using CodeAssist.Engine.Evaluation;
using CodeAssist.ModelFactory;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;

namespace CodeAssist.Engine.Tests.Evaluation;

/// <summary>The arithmetic of context recall (issue #20): which identifiers count, what holds them, how they add up.</summary>
public sealed class ContextRecallTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    private static int CountTokens(string text) => ByteLevelBpeTokenizer.Default.Encode(text).Count;

    /// <summary>`|` marks the cut; the removed text runs to the end of that line.</summary>
    private static IReadOnlyList<string> TargetsOf(string markup)
    {
        var cut = markup.IndexOf('|', StringComparison.Ordinal);
        var text = markup.Remove(cut, 1);
        var end = text.IndexOf('\n', cut) is var newline and >= 0 ? newline : text.Length;
        var root = CSharpSyntaxTree.ParseText(text).GetRoot();
        return [.. ContextRecall.Targets(root, cut, end, text.Remove(cut, end - cut)).Select(t => t.ValueText)];
    }

    [Fact]
    public void The_word_at_the_cursor_counts_whole_and_names_the_file_has_do_not_count()
    {
        var targets = TargetsOf("""
            class Checkout
            {
                void Complete(Order order)
                {
                    Console.Wri|teLine(order.Total.ToString(CultureInfo.InvariantCulture));
                }
            }
            """);

        // "order" is in the file; "WriteLine" counts whole although "Wri" was typed.
        Assert.Equal(["WriteLine", "Total", "ToString", "CultureInfo", "InvariantCulture"], targets);
    }

    [Fact]
    public void Keywords_contextual_keywords_strings_comments_and_repeats_do_not_count()
    {
        var targets = TargetsOf("""
            class C<T>
            {
                void M()
                {
                    |var x = nameof(Alpha) + "Beta" + Alpha.Gamma; // Delta
                }
            }
            """);

        // A name the removed text declares counts too: the definition takes every identifier the file lacks.
        Assert.Equal(["x", "Alpha", "Gamma"], targets);
        Assert.True(ContextRecall.IsLanguageWord("notnull"));
        Assert.True(ContextRecall.IsLanguageWord("await"));
        Assert.False(ContextRecall.IsLanguageWord("Total"));
    }

    [Fact]
    public void A_prompt_holds_a_name_only_as_a_whole_word()
    {
        Assert.Equal(2, ContextRecall.Held(["WriteLine", "Total", "ToString"], "Console.WriteLine(x.Totals.ToString());"));
    }

    [Fact]
    public void Jaccard_similarity_is_shared_words_over_all_words()
    {
        Assert.Equal(0.5, SimilarWindows.Jaccard(["a", "b", "c"], ["b", "c", "d"]));
        Assert.Equal(0, SimilarWindows.Jaccard([], ["b"]));
    }

    [Fact]
    public void The_baseline_takes_the_most_similar_windows_up_to_the_characters_given()
    {
        var alike = SourceText.From("order.Total += line.Price;\nreturn order;\n");
        var other = SourceText.From("var weather = Forecast.Today();\n");
        var windows = SimilarWindows.Best([("other.cs", other), ("alike.cs", alike)], ["order", "Total", "line"], characters: 30);

        var window = Assert.Single(windows);
        Assert.Equal("alike.cs", window.Path);
        // Cut to whole lines within the 30 characters.
        Assert.Equal("order.Total += line.Price;", window.Text);
    }

    [Fact]
    public void Recall_is_identifiers_held_over_identifiers_wanted_across_positions_and_within_each_split()
    {
        var report = new ContextRecallReport("/repo", Seed: 1, Budget: 1536, Skipped: 4,
        [
            new RecallPosition("A.cs", 3, "after dot", "Total;",
                [new("Total", "solution member", "members"), new("Sum", "framework member", "members"), new("Order", "type name", null)],
                PromptTokens: 1000, ContextCharacters: 400, BuildMilliseconds: 4, BaselineHeld: 1),
            new RecallPosition("B.cs", 9, "argument list", "rate);", [new("rate", "local or parameter", null)],
                PromptTokens: 1200, ContextCharacters: 600, BuildMilliseconds: 10, BaselineHeld: 1),
        ]);

        // Micro-averaged over identifiers, not over positions: 2 of 4, where the positions' mean would be 1/3.
        Assert.Equal(new RecallCount(2, 4), report.Total);
        Assert.Equal(0.5, report.Total.Recall);
        Assert.Equal(new RecallCount(2, 4), report.Baseline);
        Assert.Equal((new RecallCount(2, 3), new RecallCount(1, 3)), report.ByPositionKind["after dot"]);
        Assert.Equal((new RecallCount(0, 1), new RecallCount(1, 1)), report.ByPositionKind["argument list"]);
        Assert.Equal(new RecallCount(1, 1), report.ByIdentifierKind["framework member"]);
        Assert.Equal(new RecallCount(0, 1), report.ByIdentifierKind["type name"]);
        Assert.Equal(2, report.HeldByPieceKind["members"]);
        Assert.Equal(1100, report.MeanPromptTokens);
        Assert.Equal(500, report.MeanContextCharacters);
        Assert.Equal(4, report.BuildMillisecondsPercentile(0.5));
        Assert.Equal(10, report.BuildMillisecondsPercentile(0.95));
    }

    [Fact]
    public async Task On_a_loaded_project_a_member_after_a_dot_is_recalled_by_the_member_list_and_a_position_without_targets_is_skipped()
    {
        var folder = _temp.Fixture("Shop");
        var calculator = File.ReadAllText(Path.Combine(folder, "src/PriceCalculator.cs"));
        var order = File.ReadAllText(Path.Combine(folder, "src/Order.cs"));
        static HeldOutPosition At(string file, string text, string before, string removed)
        {
            var cut = text.IndexOf(before + removed, StringComparison.Ordinal) + before.Length;
            return new HeldOutPosition(file, SourceText.From(text).Lines.GetLineFromPosition(cut).LineNumber, cut, cut + removed.Length);
        }
        var options = new ContextRecallOptions
        {
            At =
            [
                At("src/PriceCalculator.cs", calculator, "=> order.", "Total * (1 - percent / 100);"),
                // Every name of the rest of this line is elsewhere in Order.cs: nothing to recall.
                At("src/Order.cs", order, "_lines.Add(new Or", "derLine(sku, price, quantity));"),
            ],
        };

        var report = await ContextRecallEvaluation.RunAsync(folder, options, CountTokens, sources: null, progress: null, CancellationToken.None);

        var position = Assert.Single(report.Positions);
        Assert.Equal(1, report.Skipped);
        Assert.Equal("after dot", position.PositionKind);
        var target = Assert.Single(position.Targets);
        Assert.Equal(new RecallTarget("Total", "solution member", "members"), target);
        Assert.Equal(new RecallCount(1, 1), report.Total);
    }

    public void Dispose() => _temp.Dispose();
}
