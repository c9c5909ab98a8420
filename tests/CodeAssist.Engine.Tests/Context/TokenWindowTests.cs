using CodeAssist.Engine.Context;
using CodeAssist.ModelFactory;

namespace CodeAssist.Engine.Tests.Context;

public sealed class TokenWindowTests
{
    private static int CountTokens(string text) => ByteLevelBpeTokenizer.Default.Encode(text).Count;

    private static readonly string Lines = string.Concat(Enumerable.Range(0, 300).Select(i => $"int value{i} = Compute({i}, \"text\");\n"));

    [Theory]
    [InlineData(10)]
    [InlineData(100)]
    [InlineData(1000)]
    public void A_prefix_is_cut_at_a_line_start_within_the_budget(int budget)
    {
        var prefix = Lines + "var x = ";
        var cut = TokenWindow.CutPrefix(prefix, budget, CountTokens);

        Assert.True(CountTokens(cut) <= budget);
        Assert.EndsWith("var x = ", cut);
        Assert.True(cut.Length == prefix.Length || prefix[prefix.Length - cut.Length - 1] == '\n' || budget < CountTokens("var x = ") + 12);
    }

    /// <summary>Typing on the cursor's line must not move the window's start: an engine's prefix cache keeps only an unchanged start.</summary>
    [Fact]
    public void Typing_on_the_cursors_line_keeps_the_windows_start_until_the_line_outgrows_its_reserved_step()
    {
        const string typed = "var total = order.Lines.Where(l => l.Price > 0)";
        var windows = Enumerable.Range(0, typed.Length + 1)
            .Select(i => TokenWindow.CutPrefixAboveCursorLine(Lines + "    " + typed[..i], 500, CountTokens))
            .ToList();

        Assert.All(windows, window => Assert.True(CountTokens(window) <= 500));
        Assert.All(windows, window => Assert.StartsWith("int value", window));
        var starts = windows.Select(window => window[..(window.LastIndexOf('\n') + 1)]).Distinct().ToList();
        // The line is under one step of tokens throughout: one start for every keystroke.
        Assert.True(CountTokens("    " + typed) < TokenWindow.CursorLineStep);
        Assert.Single(starts);
        // Cutting the whole prefix moves the start as the line grows.
        var aboveCursorLine = Enumerable.Range(0, typed.Length + 1)
            .Select(i => TokenWindow.CutPrefix(Lines + "    " + typed[..i], 500, CountTokens))
            .Select(w => w[..(w.LastIndexOf('\n') + 1)]);
        Assert.True(aboveCursorLine.Distinct().Count() > 1);
    }

    [Fact]
    public void A_prefix_that_fits_is_kept_whole()
    {
        Assert.Equal("int a = 1;\nvar x = ", TokenWindow.CutPrefix("int a = 1;\nvar x = ", 100, CountTokens));
    }

    [Theory]
    [InlineData(10)]
    [InlineData(100)]
    public void A_suffix_is_cut_at_a_line_end_within_the_budget(int budget)
    {
        var suffix = ");\n" + Lines;
        var cut = TokenWindow.CutSuffix(suffix, budget, CountTokens);

        Assert.True(CountTokens(cut) <= budget);
        Assert.StartsWith(");", cut);
        Assert.EndsWith("\n", cut);
    }

    [Fact]
    public void One_very_long_line_keeps_the_characters_nearest_the_cursor()
    {
        var longLine = string.Concat(Enumerable.Repeat("abc + ", 2000));
        var cut = TokenWindow.CutPrefix(longLine, 50, CountTokens);

        Assert.True(CountTokens(cut) <= 50);
        Assert.True(cut.Length > 20);
        Assert.EndsWith("abc + ", cut);
    }

    [Fact]
    public void A_zero_budget_gives_nothing()
    {
        Assert.Equal("", TokenWindow.CutPrefix(Lines, 0, CountTokens));
        Assert.Equal("", TokenWindow.CutSuffix(Lines, 0, CountTokens));
    }
}
