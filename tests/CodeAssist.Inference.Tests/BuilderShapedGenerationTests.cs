using CodeAssist.Inference.Generation;
using CodeAssist.Inference.Prompts;
using CodeAssist.ModelFactory;
using CodeAssist.ModelFactory.Builder;

namespace CodeAssist.Inference.Tests;

/// <summary>A Qwen2.5-Coder-shaped folder (builder-shaped qwen2 int4, 151,936-row vocabulary) written once for the tests that load it.</summary>
public sealed class QwenCoderFolderFixture : IDisposable
{
    private readonly TempDirectory _directory = new();

    public QwenCoderFolderFixture() => Path = TestModels.BuilderShaped(_directory, BuilderModelType.Qwen2);

    public string Path { get; }

    public void Dispose() => _directory.Dispose();
}

/// <summary>
/// What a user's first real model meets, on a folder in its shape: detection of Qwen's FIM format from the
/// tokenizer, token healing over a 151,936-row vocabulary whose FIM markers are not "special", sampled candidates,
/// the deadline and a chat prompt on a phi3 folder.
/// </summary>
public sealed class BuilderShapedGenerationTests(QwenCoderFolderFixture qwen) : IClassFixture<QwenCoderFolderFixture>, IDisposable
{
    private const string Prefix = "public static class Program\n{\n    public static void Main()\n    {\n        ";
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private static string Fim(string prefix) => $"<|fim_prefix|>{prefix}<|fim_suffix|>\n    }}\n}}\n<|fim_middle|>";

    [Fact]
    public void QwenFormatAndHealingAreDetectedFromTheFolderAlone()
    {
        using var model = TestModels.LoadOnCpu(qwen.Path);

        Assert.Equal("qwen", model.Format.Fim?.Id);
        Assert.True(model.Healing.Enabled);
        Assert.Equal(151_936, model.Folder.VocabSize);
        Assert.Equal("qwen2", model.Folder.ModelType);
    }

    [Fact]
    public async Task HealedReplyOverTheFullVocabularyStartsWithTheHealedText()
    {
        using var model = TestModels.LoadOnCpu(qwen.Path);

        var result = await model.GenerateAsync(new GenerationRequest(Fim(Prefix), 16) { HealedText = "Console" }, CancellationToken.None);

        var generated = model.Decode([.. model.CachedSequence.Skip(result.PromptTokens)]);
        Assert.StartsWith("Console", generated, StringComparison.Ordinal);
        Assert.Equal(generated["Console".Length..], result.Text);
    }

    [Fact]
    public void HealingIndexReadFromTokenizerJsonAgreesWithGenAiDecode()
    {
        using var model = TestModels.LoadOnCpu(qwen.Path);
        var folder = model.Folder;
        var index = HealingVocabulary.FromTokenizerJson(Path.Combine(folder.Path, "tokenizer.json"), folder.SpecialTokenIds.Values, folder.VocabSize!.Value);

        Assert.Equal(151_936, index.Size);
        var agreeing = index.Agreeing("Con").ToList();
        Assert.NotEmpty(agreeing);
        foreach (var (id, text) in agreeing)
        {
            Assert.Equal(model.Decode([id]), text);
            Assert.True(text.StartsWith("Con", StringComparison.Ordinal) || "Con".StartsWith(text, StringComparison.Ordinal));
        }
        // Added tokens (Qwen's FIM markers are not "special") and the padding rows past the tokenizer never heal.
        Assert.DoesNotContain(index.Agreeing("<|fim"), token => token.Id >= 151_643);
    }

    [Fact]
    public async Task SampledCandidatesAreReproducibleBySeed()
    {
        using var model = TestModels.LoadOnCpu(qwen.Path);
        Task<GenerationResult> Sample(int seed) =>
            model.GenerateAsync(new GenerationRequest(Fim(Prefix), 12) { Sampling = new Sampling(seed, Temperature: 1.5) }, CancellationToken.None);

        var first = await Sample(1);
        var again = await Sample(1);
        var others = await Task.WhenAll(Enumerable.Range(2, 4).Select(Sample));

        Assert.Equal(first.Text, again.Text);
        Assert.Contains(others, other => other.Text != first.Text);
    }

    [Fact]
    public async Task DeadlineCutsALongGenerationShort()
    {
        using var model = TestModels.LoadOnCpu(qwen.Path);

        var result = await model.GenerateAsync(new GenerationRequest(Fim(Prefix), 3000) { Deadline = TimeSpan.FromMilliseconds(1) }, CancellationToken.None);

        Assert.Equal(StopReason.Deadline, result.StopReason);
        Assert.True(result.NewTokens < 3000);
    }

    [Fact]
    public async Task Phi3ChatOnlyFolderAnswersAChatPromptAndOffersNoFim()
    {
        var path = _directory.Combine("phi3");
        ModelFolderWriter.WriteRandomBuilderShaped(path,
            new DecoderShape(Layers: 2, Hidden: 64, Heads: 4, Intermediate: 128, ContextLength: 4096, KeyValueHeads: 2),
            ByteLevelBpeTokenizer.Default, new BuilderModelOptions(BuilderModelType.Phi3), seed: 3);
        using var model = TestModels.LoadOnCpu(path);

        Assert.Null(model.Format.Fim);
        Assert.Equal(ChatFormat.Phi3, model.Format.Chat);
        var prompt = model.Format.Chat!.Build("You rewrite C# code.", "Make this method static: int Twice(int x) => x * 2;");
        var result = await model.GenerateAsync(new GenerationRequest(prompt, 8), CancellationToken.None);

        Assert.True(result.NewTokens > 0 || result.StopReason == StopReason.EndOfText);
    }
}
