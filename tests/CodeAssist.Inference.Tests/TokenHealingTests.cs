using System.Text.Json;
using CodeAssist.Inference.Prompts;

namespace CodeAssist.Inference.Tests;

/// <summary>Where the prompt's prefix is cut for token healing, and which tokenizers get it.</summary>
public sealed class TokenHealingTests
{
    private const string Gpt2ByteLevel = """{"pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": false, "use_regex": true}}""";

    /// <summary>Qwen2.5-Coder's tokenizer.json pre-tokenizer, verbatim.</summary>
    private const string QwenSplit = """
        {"pre_tokenizer": {"type": "Sequence", "pretokenizers": [
          {"type": "Split", "pattern": {"Regex": "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"}, "behavior": "Isolated", "invert": false},
          {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": false, "use_regex": false}]}}
        """;

    private static TokenHealing From(string tokenizerJson)
    {
        using var document = JsonDocument.Parse(tokenizerJson);
        return TokenHealing.FromTokenizerJson(document.RootElement);
    }

    [Theory]
    [InlineData("SetCache(ser", "SetCache(", "ser")]
    [InlineData("return ser", "return", " ser")]
    [InlineData("Console.WriteLine(", "Console.WriteLine", "(")]
    [InlineData("var x = ", "var x =", " ")]
    [InlineData("int count = 12", "int count =", " 12")]
    [InlineData("\t\tif (x)\n\t\t{\n\t\t\t", "\t\tif (x)\n\t\t{", "\n\t\t\t")]
    [InlineData("a", "", "a")]
    public void Gpt2WordsHealTheLastWord(string prefix, string kept, string healed) =>
        Assert.Equal((kept, healed), From(Gpt2ByteLevel).Split(prefix));

    [Theory]
    [InlineData("Console.WriteLine(ser", "Console.WriteLine", "(ser")]
    [InlineData("list.Ad", "list", ".Ad")]
    [InlineData("return ser", "return", " ser")]
    public void QwenWordsIncludeOnePunctuationBeforeLetters(string prefix, string kept, string healed) =>
        Assert.Equal((kept, healed), From(QwenSplit).Split(prefix));

    [Fact]
    public void AWordLongerThanTheLimitIsLeftWhole()
    {
        var prefix = "x = " + new string('a', TokenHealing.MaxHealedLength + 1);
        Assert.Equal((prefix, ""), From(Gpt2ByteLevel).Split(prefix));
    }

    [Fact]
    public void AWordReachingPastTheWindowIsLeftWhole()
    {
        var prefix = new string(' ', 10) + new string('a', 400);
        Assert.Equal((prefix, ""), From(Gpt2ByteLevel).Split(prefix));
    }

    [Fact]
    public void AnEmptyPrefixHasNothingToHeal() => Assert.Equal(("", ""), From(Gpt2ByteLevel).Split(""));

    [Theory]
    [InlineData("""{"pre_tokenizer": {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "first", "split": false}}""")]
    [InlineData("""{"pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "use_regex": false}}""")]
    [InlineData("""{"pre_tokenizer": null}""")]
    [InlineData("""{"model": {"type": "BPE"}}""")]
    [InlineData("""{"pre_tokenizer": {"type": "Sequence", "pretokenizers": [{"type": "Split", "pattern": {"Regex": "(unclosed"}}, {"type": "ByteLevel", "use_regex": false}]}}""")]
    public void TokenizersWithoutByteLevelWordsAreNotHealed(string tokenizerJson)
    {
        var healing = From(tokenizerJson);
        Assert.False(healing.Enabled);
        Assert.Equal(("return ser", ""), healing.Split("return ser"));
    }

    [Fact]
    public void TheSplitPatternIsTheTokenizersOwn()
    {
        // GPT-2's words would cut "(ser" before "ser"; the tokenizer's own pattern keeps the parenthesis with it.
        Assert.Equal("(ser", From(QwenSplit).Split("f(ser").Healed);
        Assert.Equal("ser", From(Gpt2ByteLevel).Split("f(ser").Healed);
    }
}
