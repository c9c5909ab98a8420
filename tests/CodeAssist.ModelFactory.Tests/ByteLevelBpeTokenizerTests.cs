namespace CodeAssist.ModelFactory.Tests;

public sealed class ByteLevelBpeTokenizerTests
{
    public static TheoryData<string> Texts => new()
    {
        "public static void Main(string[] args) { }",
        "ünïcødé // 日本",
        "x  =   1;\n\n\tif (a)\r\n{\n    return;\n}\n",
        "emoji 😀 and 𝑥",
        "<|fim_prefix|>int x = <|fim_suffix|>;\n<|fim_middle|>",
        "",
    };

    [Fact]
    public void A_tokenizer_read_back_from_its_tokenizer_json_encodes_and_writes_exactly_as_the_trained_one()
    {
        using var written = new TempDirectory();
        using var rewritten = new TempDirectory();
        var trained = ByteLevelBpeTokenizer.Default;
        trained.WriteTo(written.Path);

        var read = ByteLevelBpeTokenizer.ReadFrom(written.Path);

        string[] texts = ["public static void Main(string[] args) { }", "ünïcødé // 日本", "x  =   1;\n\n\tif (a)\r\n{\n}\n", "<|fim_prefix|>x<|fim_suffix|>;"];
        foreach (var text in texts)
            Assert.Equal(trained.Encode(text), read.Encode(text));
        Assert.Equal(trained.SpecialTokens, read.SpecialTokens);
        read.WriteTo(rewritten.Path);
        Assert.Equal(File.ReadAllBytes(Path.Combine(written.Path, "tokenizer.json")), File.ReadAllBytes(Path.Combine(rewritten.Path, "tokenizer.json")));
    }

    [Fact]
    public void DefaultHasItsVocabularySizeWithSpecialTokensRightAfterTheRegularOnes()
    {
        var tokenizer = ByteLevelBpeTokenizer.Default;

        Assert.Equal(ByteLevelBpeTokenizer.DefaultVocabSize, tokenizer.VocabSize);
        Assert.Equal(
            [
                "<|endoftext|>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>", "<|fim_pad|>", "<|repo_name|>", "<|file_sep|>",
                "<|user|>", "<|assistant|>", "<|end|>",
            ],
            tokenizer.SpecialTokens);
        var ids = tokenizer.SpecialTokens.Select(tokenizer.TokenId).ToArray();
        Assert.Equal(Enumerable.Range(tokenizer.VocabSize - ids.Length, ids.Length), ids);
    }

    [Theory]
    [MemberData(nameof(Texts))]
    public void DecodeRestoresEncodedText(string text)
    {
        var tokenizer = ByteLevelBpeTokenizer.Default;

        Assert.Equal(text, tokenizer.Decode(tokenizer.Encode(text)));
    }

    [Fact]
    public void SpecialTokenSpellingsEncodeToTheirIdsAndNearMissesDoNot()
    {
        var tokenizer = ByteLevelBpeTokenizer.Default;

        Assert.Equal([tokenizer.TokenId(ByteLevelBpeTokenizer.FimMiddle)], tokenizer.Encode("<|fim_middle|>"));
        var nearMiss = tokenizer.Encode("<|fim_middle|");
        Assert.DoesNotContain(tokenizer.TokenId(ByteLevelBpeTokenizer.FimMiddle), nearMiss);
        Assert.Equal("<|fim_middle|", tokenizer.Decode(nearMiss));
    }

    [Fact]
    public void TokenIdRejectsOrdinaryText()
    {
        var error = Assert.Throws<ArgumentException>(() => ByteLevelBpeTokenizer.Default.TokenId("<|im_start|>"));
        Assert.Contains("<|fim_middle|>", error.Message);
    }

    [Fact]
    public void DecodingHalfACharacterGivesAReplacementCharacter()
    {
        var tokenizer = ByteLevelBpeTokenizer.Default;
        var ids = tokenizer.Encode("日");
        Assert.True(ids.Count > 1, "The default vocabulary has no merge for 日, so its three bytes are three ids.");

        Assert.Equal("\uFFFD", tokenizer.Decode(ids.Take(1)));
    }

    [Fact]
    public void TrainingMergesFrequentWordsIntoSingleTokensAndStopsWhenNoPairIsLeft()
    {
        var texts = Enumerable.Repeat("private readonly int count; private readonly string name;\n", 50);

        var tokenizer = ByteLevelBpeTokenizer.Train(texts, vocabSize: 400);

        Assert.Single(tokenizer.Encode(" readonly"));
        Assert.Single(tokenizer.Encode("private"));
        Assert.Equal(2, tokenizer.Encode("private readonly").Count);
        Assert.True(tokenizer.VocabSize < 400, $"Only a few dozen merges exist in this text, yet the vocabulary grew to {tokenizer.VocabSize}.");
    }

    [Fact]
    public void TrainingReachesTheRequestedVocabularySizeWhenTheTextAllowsIt()
    {
        var tokenizer = ByteLevelBpeTokenizer.Train(VariedCode(), vocabSize: 300);

        Assert.Equal(300, tokenizer.VocabSize);
        Assert.Equal(299, tokenizer.TokenId(ByteLevelBpeTokenizer.End));
    }

    [Fact]
    public void TrainingTwiceOnTheSameTextWritesIdenticalTokenizerFiles()
    {
        using var folder = new TempDirectory();
        ByteLevelBpeTokenizer.Train(VariedCode(), vocabSize: 500).WriteTo(folder.Combine("first"));
        ByteLevelBpeTokenizer.Train(VariedCode(), vocabSize: 500).WriteTo(folder.Combine("second"));

        foreach (var name in new[] { "tokenizer.json", "tokenizer_config.json" })
        {
            Assert.Equal(File.ReadAllBytes(folder.Combine($"first/{name}")), File.ReadAllBytes(folder.Combine($"second/{name}")));
        }
    }

    [Fact]
    public void TrainingRejectsAVocabularyTooSmallForBytesAndSpecialTokens()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => ByteLevelBpeTokenizer.Train(["x"], vocabSize: 100));
        Assert.Contains("266", error.Message);
    }

    private static IEnumerable<string> VariedCode() =>
        Enumerable.Range(0, 200).Select(i => $"var value{i} = Compute(\"item {i}\", {i * 7}, flag: {i % 3 == 0});\n");
}
