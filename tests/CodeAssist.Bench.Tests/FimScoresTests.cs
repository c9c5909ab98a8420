using CodeAssist.Bench.Evaluation;

namespace CodeAssist.Bench.Tests;

/// <summary>
/// The arithmetic of the evaluation's two scores, pinned: the model card compares figures computed years apart by
/// `codeassist-bench eval` and by the training tool's n-gram baseline, and both take them from <see cref="FimScores"/>.
/// </summary>
public sealed class FimScoresTests
{
    [Theory]
    [InlineData("return sum;", "return sum;", true)]
    [InlineData("return sum;  \n", "return sum;", true)] // trailing whitespace of either side does not count
    [InlineData("return sum;", "return sum;\n\n", true)]
    [InlineData("", "", true)]
    [InlineData(" return sum;", "return sum;", false)] // leading whitespace does
    [InlineData("return Sum;", "return sum;", false)] // ordinal, case-sensitive
    [InlineData("return sum;\nx", "return sum;", false)]
    public void Exact_match_ignores_only_trailing_whitespace(string completion, string middle, bool exact) =>
        Assert.Equal(exact, FimScores.ExactMatch(completion, middle));

    [Theory]
    [InlineData("", "", 1.0)] // both empty: nothing to get wrong
    [InlineData("abc", "abc", 1.0)]
    [InlineData("", "abc", 0.0)] // no suggestion scores 0
    [InlineData("abc", "", 0.0)]
    [InlineData("kitten", "sitting", 1 - 3 / 7.0)] // the textbook distance 3, over the longer length 7
    [InlineData("abcd", "abXd", 0.75)] // one substitution in 4
    [InlineData("abc", "abcd", 0.75)] // one insertion, longer length 4
    [InlineData("abcd  \n", "abXd", 0.75)] // trailing whitespace trimmed before measuring
    public void Edit_similarity_is_one_minus_levenshtein_over_the_longer_length(string completion, string middle, double expected) =>
        Assert.Equal(expected, FimScores.EditSimilarity(completion, middle), precision: 12);

    [Fact]
    public void Edit_similarity_is_symmetric() =>
        Assert.Equal(
            FimScores.EditSimilarity("Console.WriteLine(x);", "Console.Write(y);"),
            FimScores.EditSimilarity("Console.Write(y);", "Console.WriteLine(x);"),
            precision: 12);
}
