namespace CodeAssist.ModelFactory.Tests;

/// <summary>
/// GenAI builds its tokenizer from the tokenizer.json we write; it must agree id for id with
/// <see cref="ByteLevelBpeTokenizer.Encode"/>, which training and prompt budgeting rely on.
/// </summary>
public sealed class GenAiTokenizerParityTests(RandomTinyModelFixture model) : IClassFixture<RandomTinyModelFixture>
{
    public static TheoryData<string> Texts => new()
    {
        "public static int Main(string[] args) => args.Length;",
        "ünïcødé // 日本",
        "x  =   1;\n\n\tif (a)\r\n{\n    return;\n}\n",
        "it's don't I'll we've they'd I'M",
        "12345 3.14e10 0x1F ٣٤ ½",
        "a+=b--;  // ->>>=",
        "emoji 😀 and 𝑥 math",
        "  leading and trailing   ",
        "tabs\t\tand\u00a0no-break\u3000spaces",
        "Ω≈ç√∫ ß 中文字符 русский",
        "$@\"{value}\" '\\n'",
        "<|notspecial|> <|endoftext",
    };

    [Theory]
    [MemberData(nameof(Texts))]
    public void GenAiEncodesTextAsTheReferenceEncoderDoesAndDecodesItBack(string text)
    {
        var genAiIds = model.Session.Encode(text);

        Assert.Equal(ByteLevelBpeTokenizer.Default.Encode(text), genAiIds);
        Assert.Equal(text, model.Session.Tokenizer.Decode(genAiIds));
    }

    [Fact]
    public void EverySpecialTokenEncodesToItsOwnSingleId()
    {
        var tokenizer = ByteLevelBpeTokenizer.Default;
        foreach (var special in tokenizer.SpecialTokens)
        {
            Assert.Equal([tokenizer.TokenId(special)], model.Session.Encode(special));
        }
    }

    [Fact]
    public void SpecialTokensInsideTextSplitItAsInTheReferenceEncoder()
    {
        const string prompt = "<|repo_name|>demo\n<|file_sep|>Program.cs\n<|fim_prefix|>int x = <|fim_suffix|>;\n<|fim_middle|>";

        Assert.Equal(ByteLevelBpeTokenizer.Default.Encode(prompt), model.Session.Encode(prompt));
    }

    [Fact]
    public void GenAiDecodeDropsSpecialTokens()
    {
        // Known GenAI behaviour, asserted so that a change in it is noticed: Tokenizer.Decode skips special
        // tokens, while ByteLevelBpeTokenizer.Decode spells them out.
        var ids = model.Session.Encode("<|fim_prefix|>a<|fim_middle|>");

        Assert.Equal("a", model.Session.Tokenizer.Decode(ids));
    }
}
