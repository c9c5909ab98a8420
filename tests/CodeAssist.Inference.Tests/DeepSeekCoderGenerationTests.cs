using CodeAssist.Inference.Generation;
using CodeAssist.Inference.Prompts;

namespace CodeAssist.Inference.Tests;

/// <summary>A DeepSeek-Coder-shaped folder (builder-shaped llama int4, 32,256-row vocabulary) written once for the tests that load it.</summary>
public sealed class DeepSeekCoderFolderFixture : IDisposable
{
    private readonly TempDirectory _directory = new();

    public DeepSeekCoderFolderFixture() => Path = TestModels.DeepSeekCoder(_directory);

    public string Path { get; }

    public void Dispose() => _directory.Dispose();
}

/// <summary>
/// A DeepSeek-Coder folder as the model builder writes it, found out from its files alone: its FIM markers chosen as
/// the prompt format and kept as single ids after the begin-of-sentence id its tokenizer adds, token healing cutting
/// where its Sequence pre-tokenizer ends a word (a digit, a CJK run), and the healing index over its vocabulary. GenAI
/// 0.18 cannot read DeepSeek-Coder's real pre-tokenizer: the folder has the variant it reads, and the real one is
/// refused by the folder check with a sentence.
/// </summary>
public sealed class DeepSeekCoderGenerationTests(DeepSeekCoderFolderFixture deepSeek) : IClassFixture<DeepSeekCoderFolderFixture>
{
    private const int BeginOfSentence = 32_013;
    private const int FimHole = 32_015;
    private const int FimBegin = 32_016;
    private const int FimEnd = 32_017;
    private const string Suffix = "\n    }\n}\n";
    private const string Prefix = "public static class Program\n{\n    public static void Main()\n    {\n        ";

    [Fact]
    public void DeepSeekFormatAndItsHealingAreDetectedFromTheFolderAlone()
    {
        using var model = TestModels.LoadOnCpu(deepSeek.Path);

        Assert.Equal("deepseek", model.Format.Fim?.Id);
        Assert.True(model.Healing.Enabled);
        Assert.Equal("Digits (each digit), ByteLevel", model.Healing.Description);
        Assert.True(model.Folder.AddsBeginToken);
        Assert.Equal(32_256, model.Folder.VocabSize);
        Assert.Equal("llama", model.Folder.ModelType);
        Assert.Equal(BeginOfSentence, model.Folder.BeginTokenId);
        Assert.Equal(16_384, model.Folder.ContextLength);
    }

    [Fact]
    public async Task TheCompletionPromptHasEachFimMarkerAsOneIdAfterTheBeginOfSentence()
    {
        using var model = TestModels.LoadOnCpu(deepSeek.Path);
        var prompt = model.Format.BuildCompletion(new FimRequest(Prefix + "var x = ", ";" + Suffix));

        var result = await model.GenerateAsync(new GenerationRequest(prompt, 1), CancellationToken.None);
        var ids = model.CachedSequence.Take(result.PromptTokens).ToArray();

        Assert.StartsWith("<｜fim▁begin｜>public static class", prompt, StringComparison.Ordinal);
        // GenAI 0.18's tokenizer ignores add_bos_token (model.Encode has no begin of sentence); the prompt gets it anyway.
        Assert.NotEqual(BeginOfSentence, model.Encode(prompt)[0]);
        Assert.Equal([BeginOfSentence, FimBegin], ids[..2]);
        Assert.Single(ids, FimHole);
        Assert.Equal(FimEnd, ids[^1]);
        Assert.Equal(prompt, model.Decode(ids));
    }

    [Theory]
    [InlineData("        Console.Wr", "Wr")]
    [InlineData("        var count = 12", "2")]
    [InlineData("        total +", " +")]
    [InlineData("        // 价格", " 价格")]
    public async Task HealedReplyStartsWithTheTextDeepSeeksWordsCut(string line, string healed)
    {
        using var model = TestModels.LoadOnCpu(deepSeek.Path);
        var (kept, cut) = model.Healing.Split(Prefix + line.TrimStart());
        Assert.Equal(healed, cut);

        var prompt = model.Format.BuildCompletion(new FimRequest(kept, Suffix));
        var result = await model.GenerateAsync(new GenerationRequest(prompt, 8) { HealedText = healed }, CancellationToken.None);

        var reply = model.CachedSequence.Skip(result.PromptTokens).ToArray();
        var generated = model.Decode(reply);
        Assert.StartsWith(healed, generated, StringComparison.Ordinal);
        Assert.Equal(generated[healed.Length..], result.Text);
        // A healed text no token agrees with past its space ("价格": our sample's merges hold no CJK) is forced as its own
        // ids, which must not bring a begin-of-sentence id into the reply.
        Assert.DoesNotContain(BeginOfSentence, reply);
    }

    [Fact]
    public void HealingIndexOverTheVocabularyAgreesWithGenAiDecodeAndLeavesAddedTokensOut()
    {
        using var model = TestModels.LoadOnCpu(deepSeek.Path);
        var folder = model.Folder;
        var index = HealingVocabulary.FromTokenizerJson(Path.Combine(folder.Path, "tokenizer.json"), folder.SpecialTokenIds.Values, folder.VocabSize!.Value);

        Assert.Equal(32_256, index.Size);
        var agreeing = index.Agreeing("Con").ToList();
        Assert.NotEmpty(agreeing);
        foreach (var (id, text) in agreeing)
            Assert.Equal(model.Decode([id]), text);
        // The FIM markers, the 13 byte characters DeepSeek adds as tokens and the padding rows never heal.
        Assert.DoesNotContain(index.Agreeing("<｜fim"), token => token.Id >= 32_000);
        Assert.DoesNotContain(index.Agreeing("ü"), token => token.Id >= 32_000);
    }

    [Fact]
    public void TheRealPreTokenizerIsRefusedBeforeAnythingLoadsWithASentenceThatSaysWhy()
    {
        using var directory = new TempDirectory();
        var path = TestModels.DeepSeekCoder(directory, realPreTokenizer: true);

        var problem = Assert.Single(Models.ModelFolder.Verify(path));
        Assert.Contains(@"splits words with the pattern \s?\p{L}+ (DeepSeek-Coder's pre-tokenizer)", problem, StringComparison.Ordinal);
        Assert.Contains("cannot run with this runtime", problem, StringComparison.Ordinal);
        Assert.Throws<Models.ModelFolderException>(() => TestModels.LoadOnCpu(path));
    }
}
