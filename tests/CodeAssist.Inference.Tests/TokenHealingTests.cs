using System.Text.Json;
using CodeAssist.Inference.Prompts;

namespace CodeAssist.Inference.Tests;

/// <summary>Where the prompt's prefix is cut for token healing, and which tokenizers get it.</summary>
public sealed class TokenHealingTests
{
    private const string Gpt2ByteLevel = """{"pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": false, "use_regex": true}}""";

    /// <summary>The Regex of Qwen2.5-Coder's Split, as tokenizer.json writes it (JSON-escaped).</summary>
    private const string QwenPattern =
        """(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+""";

    /// <summary>Qwen2.5-Coder's tokenizer.json pre-tokenizer, verbatim.</summary>
    private const string QwenSplit = $$$"""
        {"pre_tokenizer": {"type": "Sequence", "pretokenizers": [
          {"type": "Split", "pattern": {"Regex": "{{{QwenPattern}}}"}, "behavior": "Isolated", "invert": false},
          {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": false, "use_regex": false}]}}
        """;

    /// <summary>
    /// DeepSeek-Coder's tokenizer.json pre-tokenizer (deepseek-coder-1.3b/6.7b): a Sequence of four Splits, Digits one
    /// by one, then ByteLevel without regex.
    /// </summary>
    private const string DeepSeekSequence = """
        {"pre_tokenizer": {"type": "Sequence", "pretokenizers": [
          {"type": "Split", "pattern": {"Regex": "[\r\n]"}, "behavior": "Isolated", "invert": false},
          {"type": "Split", "pattern": {"Regex": "\\s?\\p{L}+"}, "behavior": "Isolated", "invert": false},
          {"type": "Split", "pattern": {"Regex": "\\s?\\p{P}+"}, "behavior": "Isolated", "invert": false},
          {"type": "Split", "pattern": {"Regex": "[一-龥ࠀ-一가-퟿]+"}, "behavior": "Isolated", "invert": false},
          {"type": "Digits", "individual_digits": true},
          {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": false}]}}
        """;

    /// <summary>StarCoder's: Digits one by one, then GPT-2's words inside ByteLevel.</summary>
    private const string StarCoderSequence = """
        {"pre_tokenizer": {"type": "Sequence", "pretokenizers": [
          {"type": "Digits", "individual_digits": true},
          {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true}]}}
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
    [InlineData("""{"pre_tokenizer": {"type": "Sequence", "pretokenizers": [{"type": "Split", "pattern": {"Regex": "(unclosed"}}, """ +
        """{"type": "ByteLevel", "use_regex": false}]}}""")]
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

    [Theory]
    [InlineData("int count = 12", "int count = 1", "2")]
    [InlineData("x = foo12", "x = foo1", "2")]
    [InlineData("SetCache(ser", "SetCache(", "ser")]
    [InlineData("return ser", "return", " ser")]
    [InlineData("list.Ad", "list.", "Ad")]
    [InlineData("Console.WriteLine(", "Console.WriteLine", "(")]
    [InlineData("total +", "total", " +")]
    [InlineData("if (x)\n{\n    ret", "if (x)\n{\n   ", " ret")]
    [InlineData("// 注释中文", "// ", "注释中文")]
    [InlineData("价格12", "价格1", "2")]
    [InlineData("변수abc", "변수", "abc")]
    [InlineData("你好，世界", "你好，", "世界")]
    [InlineData("s = \"héllo wörld", "s = \"héllo", " wörld")]
    public void DeepSeekWordsFollowEverySplitAndDigitsInOrder(string prefix, string kept, string healed) =>
        Assert.Equal((kept, healed), From(DeepSeekSequence).Split(prefix));

    [Theory]
    [InlineData("int count = 12", " 12", "2", "2")]
    [InlineData("list.Ad", "Ad", ".Ad", "Ad")]
    [InlineData("Max(ab", "ab", "(ab", "ab")]
    [InlineData("변수abc", "변수abc", "변수abc", "abc")]
    [InlineData("// 注释中文", " 注释中文", " 注释中文", "注释中文")]
    public void DeepSeekCutsDifferFromGpt2AndQwenWhereItsStepsDo(string prefix, string gpt2Healed, string qwenHealed, string deepSeekHealed)
    {
        Assert.Equal(gpt2Healed, From(Gpt2ByteLevel).Split(prefix).Healed);
        Assert.Equal(qwenHealed, From(QwenSplit).Split(prefix).Healed);
        Assert.Equal(deepSeekHealed, From(DeepSeekSequence).Split(prefix).Healed);
    }

    [Theory]
    [InlineData("int count = 12", "2")]
    [InlineData("return ser", " ser")]
    public void DigitsBeforeByteLevelWordsAreHealedOneByOne(string prefix, string healed) =>
        Assert.Equal(healed, From(StarCoderSequence).Split(prefix).Healed);

    [Fact]
    public void DeepSeekHealingCutsWhereTheReferencePreTokenizerEndsItsLastWord()
    {
        // ModelFactory's DeepSeek-Coder layout splits the whole text with every step (and agrees id for id with GenAI's
        // tokenizer, DeepSeekCoderTokenizerTests): the healed text must be its last word, at every cut of this text.
        const string text = "// 价格 in 元: 注释\npublic int Total(int[] a) {\n\tvar s = a[0] + 12;\n\treturn s*2 /*， 世界*/ + 변수abc.Length;\n}\n";
        var healing = From(DeepSeekSequence);
        for (var cut = 1; cut <= text.Length; cut++)
        {
            var prefix = text[..cut];
            var lastWord = CodeAssist.ModelFactory.Tokenization.TokenizerLayout.DeepSeekCoder.Split(prefix)[^1];
            var expected = lastWord.Length > TokenHealing.MaxHealedLength ? (prefix, "") : (prefix[..^lastWord.Length], lastWord);
            Assert.Equal(expected, healing.Split(prefix));
        }
    }

    [Fact]
    public void TheDescriptionNamesTheSteps()
    {
        Assert.Equal("Split x4, Digits (each digit)", From(DeepSeekSequence).Description);
        Assert.Equal("Split", From(QwenSplit).Description);
        Assert.Equal("ByteLevel", From(Gpt2ByteLevel).Description);
        Assert.Equal("off", TokenHealing.None.Description);
    }

    [Theory]
    [InlineData("""
        {"pre_tokenizer": {"type": "Sequence", "pretokenizers": [
          {"type": "Split", "pattern": {"Regex": "x"}, "behavior": "Removed"}, {"type": "ByteLevel", "use_regex": false}]}}
        """)]
    [InlineData("""{"pre_tokenizer": {"type": "Sequence", "pretokenizers": [{"type": "Punctuation"}, {"type": "ByteLevel", "use_regex": true}]}}""")]
    public void AStepWhoseCutWouldBeAGuessTurnsHealingOff(string tokenizerJson) => Assert.False(From(tokenizerJson).Enabled);
}
