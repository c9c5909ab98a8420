namespace CodeAssist.ModelFactory.Tests;

/// <summary>
/// Qwen2.5-Coder's tokenizer layout with our own merges: the added tokens sit at their real ids, the vocabulary
/// and model rows have the real sizes, and GenAI's tokenizer (built from the tokenizer.json we write, with Qwen's
/// Split pre-tokenizer and NFC normalizer) agrees id for id with the reference encoder.
/// </summary>
public sealed class QwenCoderTokenizerTests(QwenCoderModelFixture model) : IClassFixture<QwenCoderModelFixture>
{
    [Fact]
    public void AddedTokensHaveQwenIdsAndTheVocabularyItsSizes()
    {
        var tokenizer = ByteLevelBpeTokenizer.QwenCoder;
        Assert.Equal(151_665, tokenizer.TokenCount);
        Assert.Equal(151_936, tokenizer.VocabSize);
        Assert.Equal(151_643, tokenizer.TokenId("<|endoftext|>"));
        Assert.Equal(151_644, tokenizer.TokenId("<|im_start|>"));
        Assert.Equal(151_645, tokenizer.TokenId("<|im_end|>"));
        Assert.Equal(151_659, tokenizer.TokenId("<|fim_prefix|>"));
        Assert.Equal(151_660, tokenizer.TokenId("<|fim_middle|>"));
        Assert.Equal(151_661, tokenizer.TokenId("<|fim_suffix|>"));
        Assert.Equal(151_662, tokenizer.TokenId("<|fim_pad|>"));
        Assert.Equal(151_663, tokenizer.TokenId("<|repo_name|>"));
        Assert.Equal(151_664, tokenizer.TokenId("<|file_sep|>"));
    }

    [Theory]
    [MemberData(nameof(GenAiTokenizerParityTests.Texts), MemberType = typeof(GenAiTokenizerParityTests))]
    public void GenAiEncodesTextAsTheReferenceEncoderDoesAndDecodesItBack(string text)
    {
        var genAiIds = model.Session.Encode(text);

        Assert.Equal(ByteLevelBpeTokenizer.QwenCoder.Encode(text), genAiIds);
        Assert.Equal(text.Normalize(System.Text.NormalizationForm.FormC), model.Session.Tokenizer.Decode(genAiIds));
    }

    [Fact]
    public void RepositoryLevelFimPromptSplitsAtTheMarkersAsTheReferenceEncoderDoes()
    {
        const string prompt = "<|repo_name|>demo\n<|file_sep|>Program.cs\n<|fim_prefix|>int x = <|fim_suffix|>;\n<|fim_middle|>";

        var ids = model.Session.Encode(prompt);
        Assert.Equal(ByteLevelBpeTokenizer.QwenCoder.Encode(prompt), ids);
        Assert.Equal(151_663, ids[0]);
        Assert.Equal(151_660, ids[^1]);
    }

    [Fact]
    public void DigitsAreSingleTokensAsInQwen2()
    {
        var ids = ByteLevelBpeTokenizer.QwenCoder.Encode("12345");
        Assert.Equal(5, ids.Count);
        Assert.Equal(ids, model.Session.Encode("12345"));
    }
}
