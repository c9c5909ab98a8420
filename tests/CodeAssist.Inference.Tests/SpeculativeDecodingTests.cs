using System.Text.Json.Nodes;
using CodeAssist.Inference.Devices;
using CodeAssist.Inference.Generation;
using CodeAssist.Inference.Models;
using CodeAssist.ModelFactory;

namespace CodeAssist.Inference.Tests;

/// <summary>
/// Speculative decoding must be invisible except for speed: greedy replies, token for token, are those of the model
/// alone — fresh, after KV prefix reuse, with token healing, after a reply cut short in the middle of a verification
/// step. Random weights make a wrongly accepted token change everything after it. The drafts are real GenAI folders
/// sharing the model's tokenizer: a smaller random decoder (it proposes badly, so most steps reject), and the model
/// itself (it proposes exactly what the model says, so every step accepts).
/// </summary>
public sealed class SpeculativeDecodingTests : IDisposable
{
    private const string Program = "public static class Program\n{\n    public static int Sum(int[] values)\n    {\n        var total = 0;\n";

    private static readonly string[] Keystrokes =
    [
        Program,
        Program + "        foreach (var value in values)\n",
        Program + "        foreach (var value in values)\n        {\n            total += value;\n",
        Program + "        foreach (var value in values)\n        {\n            total += value;\n        }\n        return total;\n    }\n\n" +
            "    public static int Max(int[] values)\n    {\n        var total = 0;\n",
    ];

    private readonly TempDirectory _directory = new();
    private readonly string _model;

    public SpeculativeDecodingTests()
    {
        _model = TestModels.Random(_directory, name: "target");
        ModelFolderWriter.WriteRandom(_directory.Combine("small-draft"),
            new DecoderShape(Layers: 1, Hidden: 32, Heads: 2, Intermediate: 86, ContextLength: 2048), seed: 7);
    }

    public void Dispose() => _directory.Dispose();

    public static TheoryData<string> Speculations => new() { "small-draft", "self-draft", "prompt-lookup" };

    private static SpeculationSettings SettingsFor(string speculation) => speculation switch
    {
        "small-draft" => new SpeculationSettings { DraftModel = "../small-draft", MaxDraftTokens = 3 },
        "self-draft" => new SpeculationSettings { DraftModel = ".", MaxDraftTokens = 4 },
        "prompt-lookup" => new SpeculationSettings { PromptLookup = true },
        _ => throw new ArgumentOutOfRangeException(nameof(speculation)),
    };

    private LanguageModel Load(SpeculationSettings speculation) => LanguageModel.Load(_model, DevicePreference.Cpu, null, speculation);

    private static async Task<(GenerationResult Result, int[] Tokens)> Generate(LanguageModel model, GenerationRequest request)
    {
        var result = await model.GenerateAsync(request, CancellationToken.None);
        return (result, [.. model.CachedSequence]);
    }

    private static GenerationRequest Fim(string prefix, int tokens = 40) => new(TestModels.FimPrompt(prefix, "\n    }\n}\n"), tokens);

    [Theory]
    [MemberData(nameof(Speculations))]
    public async Task GreedyRepliesAreTheModelsOwnThroughKeystrokesThatReuseTheCache(string speculation)
    {
        using var plain = Load(SpeculationSettings.Off);
        using var speculative = Load(SettingsFor(speculation));
        Assert.NotEqual(SpeculationMode.None, speculative.Speculation.Mode);

        var steps = 0L;
        foreach (var prefix in Keystrokes)
        {
            var expected = await Generate(plain, Fim(prefix));
            var actual = await Generate(speculative, Fim(prefix));

            Assert.Equal(expected.Tokens, actual.Tokens);
            Assert.Equal(expected.Result.Text, actual.Result.Text);
            Assert.Equal(expected.Result.StopReason, actual.Result.StopReason);
            // A draft pair starts fresh each time (see GenAiRewindsADraftPairWrongly); prompt lookup reuses as plain does.
            Assert.Equal(speculation == "prompt-lookup" ? expected.Result.ReusedPromptTokens : 0, actual.Result.ReusedPromptTokens);
            steps += actual.Result.Speculation!.Steps;
        }
        Assert.True(steps > 0, "the speculative model never ran a verification step");
        Assert.Equal(steps, speculative.SpeculationTotals.Steps);
    }

    [Theory]
    [MemberData(nameof(Speculations))]
    public async Task AReplyCutShortInsideAVerificationStepLeavesACacheTheNextKeystrokeCanUse(string speculation)
    {
        using var plain = Load(SpeculationSettings.Off);
        using var speculative = Load(SettingsFor(speculation));

        // Two new tokens end the reply in the middle of a step that committed more: GenAI holds the rest back.
        await Generate(speculative, Fim(Keystrokes[0], tokens: 2));
        await Generate(plain, Fim(Keystrokes[0], tokens: 2));
        var expected = await Generate(plain, Fim(Keystrokes[1]));
        var actual = await Generate(speculative, Fim(Keystrokes[1]));

        Assert.Equal(expected.Tokens, actual.Tokens);
        Assert.Equal(expected.Result.ReusedPromptTokens,
            speculation == "prompt-lookup" ? actual.Result.ReusedPromptTokens : expected.Result.ReusedPromptTokens);
    }

    /// <summary>
    /// Evidence for the one thing speculation changes: GenAI 0.18 rewinds a model with a draft decoder wrongly. After
    /// a few generated tokens, <c>RewindTo</c> into the prompt and the rest of the prompt appended again, the greedy
    /// continuation differs from the same generator's first one — so <see cref="KvPrefixCache"/> never rewinds a
    /// draft pair. Asserted as it is: when this fails, GenAI has fixed it and the pair can reuse its cache again.
    /// </summary>
    [Fact]
    public void GenAiRewindsADraftPairWrongly()
    {
        GenAiRuntime.EnsureInitialized();
        using var config = new Microsoft.ML.OnnxRuntimeGenAI.Config(_model);
        config.Overlay(DraftModelPair.DraftOverlay(_model, _directory.Combine("small-draft")).ToJsonString());
        using var model = new Microsoft.ML.OnnxRuntimeGenAI.Model(config);
        using var tokenizer = new Microsoft.ML.OnnxRuntimeGenAI.Tokenizer(model);
        using var sequences = tokenizer.Encode(TestModels.FimPrompt(Program, "\n    }\n}\n"));
        var prompt = sequences[0].ToArray();
        using var parameters = new Microsoft.ML.OnnxRuntimeGenAI.GeneratorParams(model);
        parameters.SetSearchOption("max_length", 2048);
        using var generator = new Microsoft.ML.OnnxRuntimeGenAI.Generator(model, parameters);
        generator.AppendTokens(prompt);
        for (var i = 0; i < 20; i++)
            generator.GenerateNextToken();
        var first = generator.GetSequence(0).ToArray();

        generator.RewindTo((ulong)(prompt.Length - 3));
        generator.AppendTokens(prompt.AsSpan(prompt.Length - 3));
        for (var i = 0; i < 20; i++)
            generator.GenerateNextToken();

        Assert.NotEqual(first, generator.GetSequence(0).ToArray());
    }

    [Theory]
    [MemberData(nameof(Speculations))]
    public async Task TokenHealingChoosesTheSameFirstTokensAsWithoutSpeculation(string speculation)
    {
        using var plain = Load(SpeculationSettings.Off);
        using var speculative = Load(SettingsFor(speculation));
        var request = Fim(Program + "        var resu") with { HealedText = "resu" };

        var expected = await Generate(plain, request);
        var actual = await Generate(speculative, request);

        Assert.Equal(expected.Tokens, actual.Tokens);
        Assert.Equal(expected.Result.Text, actual.Result.Text);
    }

    [Fact]
    public async Task PromptLookupAcceptsWhatTheContextAlreadySpells()
    {
        using var speculative = Load(new SpeculationSettings { PromptLookup = true });

        var (result, _) = await Generate(speculative, Fim(Keystrokes[3], tokens: 64));

        // A random model repeats itself, and the lookup proposes those repeats: GenAI's counters show the work.
        var counts = result.Speculation!;
        Assert.True(counts.Steps > 0 && counts.Accepted > 0, $"prompt lookup accepted nothing: {counts}");
        Assert.True(counts.Accepted <= counts.Evaluated && counts.Evaluated <= counts.Proposed, counts.ToString());
        Assert.Equal(counts.Steps + counts.Accepted, counts.Committed);
    }

    [Fact]
    public async Task WithoutSpeculationThereAreNoCounts()
    {
        using var plain = Load(SpeculationSettings.Off);

        var (result, _) = await Generate(plain, Fim(Program));

        Assert.Null(result.Speculation);
        Assert.Equal(SpeculationCounts.Zero, plain.SpeculationTotals);
        Assert.Equal("off", plain.Speculation.Describe());
    }

    [Fact]
    public void TheDraftNamedInCodeAssistJsonIsLoadedAndDescribed()
    {
        TestModels.EditJson(_model, ModelFolder.SettingsFile,
            json => json["speculation"] = new JsonObject { ["draftModel"] = "../small-draft", ["maxDraftTokens"] = 3 });

        using var model = TestModels.LoadOnCpu(_model);

        Assert.Equal(SpeculationMode.DraftModel, model.Speculation.Mode);
        Assert.Equal(_directory.Combine("small-draft"), model.Speculation.DraftFolder);
        Assert.Equal("draft model codeassist-random (3 tokens per step)", model.Speculation.Describe());
        Assert.Empty(ModelFolder.Verify(_model));
    }

    [Fact]
    public void ADraftWithAnotherVocabularyIsRefusedWithTheDifferenceNamed()
    {
        var draft = _directory.Combine("small-draft");
        var tokenizer = Path.Combine(draft, ModelFolder.TokenizerFile);
        File.WriteAllText(tokenizer, File.ReadAllText(tokenizer).Replace("\"public\"", "\"publik\"", StringComparison.Ordinal));
        TestModels.EditJson(_model, ModelFolder.SettingsFile, json => json["speculation"] = new JsonObject { ["draftModel"] = "../small-draft" });

        var problem = Assert.Single(ModelFolder.Verify(_model));

        Assert.Contains($"the draft model {draft} does not fit {_model}: the draft's vocabulary differs from the model's in 2 token(s)", problem);
        Assert.Throws<ModelFolderException>(() => TestModels.LoadOnCpu(_model));
    }

    [Fact]
    public void ADraftWithOtherSpecialTokensIsRefused()
    {
        TestModels.EditJson(_directory.Combine("small-draft"), ModelFolderWriter.GenAiConfigFileName, json => json["model"]!["eos_token_id"] = 5);
        TestModels.EditJson(_model, ModelFolder.SettingsFile, json => json["speculation"] = new JsonObject { ["draftModel"] = "../small-draft" });

        var problem = Assert.Single(ModelFolder.Verify(_model));

        Assert.EndsWith("the draft's special tokens differ from the model's (\"eos_token_id\"); the draft must use the same special tokens", problem);
    }

    [Theory]
    [InlineData("""{ "draftModel": "../small-draft", "promptLookup": true }""", "speculation names both a draftModel and promptLookup")]
    [InlineData("""{ "promptLookup": true, "maxDraftTokens": 17 }""", "speculation.maxDraftTokens is 17, GenAI takes 1 to 16")]
    [InlineData("""{ "promptLookup": true, "ngramSize": 1 }""", "speculation.ngramSize is 1, GenAI takes 2 to 16")]
    [InlineData("""{ "draftModel": "../missing" }""", "the draft model named in codeassist.json")]
    public void BadSpeculationSettingsAreOneSentenceEach(string section, string expected)
    {
        TestModels.EditJson(_model, ModelFolder.SettingsFile, json => json["speculation"] = JsonNode.Parse(section));

        var problem = Assert.Single(ModelFolder.Verify(_model));

        Assert.Contains(expected, problem);
    }
}

/// <summary>
/// The same guarantee on folders shaped as onnxruntime-genai's model builder writes them for Qwen2.5-Coder:
/// GroupQueryAttention with a shared past/present KV buffer, int4 MatMulNBits weights in model.onnx.data, and Qwen's
/// 151,665-token vocabulary; the draft is another such folder with the same tokenizer.
/// </summary>
public sealed class SpeculativeDecodingOnBuilderShapedModelsTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly string _model;

    public SpeculativeDecodingOnBuilderShapedModelsTests()
    {
        _model = _directory.Combine("qwen");
        var options = new CodeAssist.ModelFactory.Builder.BuilderModelOptions(CodeAssist.ModelFactory.Builder.BuilderModelType.Qwen2);
        ModelFolderWriter.WriteRandomBuilderShaped(_model, DecoderShape.QwenTest, ByteLevelBpeTokenizer.QwenCoder, options, seed: 16);
        ModelFolderWriter.WriteRandomBuilderShaped(_directory.Combine("qwen-draft"), DecoderShape.QwenTest with { Layers = 1 }, ByteLevelBpeTokenizer.QwenCoder,
            options, seed: 17);
    }

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void SpeculationOnAnInt8ComputedGraphNamesTheNearTieCaveatAndAnFp32ComputedOneDoesNot()
    {
        var promptLookup = new SpeculationSettings { PromptLookup = true };
        Assert.Contains("accuracy level 4", ModelFolder.Open(_model, promptLookup).SpeculationCaveat, StringComparison.Ordinal);
        Assert.Null(ModelFolder.Open(_model, SpeculationSettings.Off).SpeculationCaveat);

        var fp32Computed = _directory.Combine("qwen-accuracy-1");
        var options = new CodeAssist.ModelFactory.Builder.BuilderModelOptions(CodeAssist.ModelFactory.Builder.BuilderModelType.Qwen2, AccuracyLevel: 1);
        ModelFolderWriter.WriteRandomBuilderShaped(fp32Computed, DecoderShape.QwenTest, ByteLevelBpeTokenizer.QwenCoder, options, seed: 16);
        Assert.Null(ModelFolder.Open(fp32Computed, promptLookup).SpeculationCaveat);
    }

    [Theory]
    [InlineData("draft")]
    [InlineData("prompt-lookup")]
    public async Task GreedyRepliesAreTheModelsOwn(string speculation)
    {
        using var plain = LanguageModel.Load(_model, DevicePreference.Cpu, null, SpeculationSettings.Off);
        using var speculative = LanguageModel.Load(_model, DevicePreference.Cpu, null, speculation == "draft"
            ? new SpeculationSettings { DraftModel = "../qwen-draft" }
            : new SpeculationSettings { PromptLookup = true });
        const string program = "public static class Program\n{\n    public static int Sum(int[] values)\n    {\n        var total = 0;\n";

        foreach (var prefix in new[] { program, program + "        foreach (var value in values)\n" })
        {
            // Healing over the 151,936-row vocabulary, with speculation running after the forced tokens.
            var request = new GenerationRequest(TestModels.FimPrompt(prefix, "\n    }\n}\n"), 40) { HealedText = "    public static int Sum(int[] values)" };
            var expected = await plain.GenerateAsync(request, CancellationToken.None);
            var expectedTokens = plain.CachedSequence.ToArray();
            var actual = await speculative.GenerateAsync(request, CancellationToken.None);

            Assert.Equal(expectedTokens, speculative.CachedSequence.ToArray());
            Assert.Equal(expected.Text, actual.Text);
        }
        // Random weights over 151,936 rows never repeat a pair of tokens, so prompt lookup finds nothing to propose and
        // runs plain steps; the draft's steps are verified on the shared past/present buffer.
        if (speculation == "draft")
            Assert.True(speculative.SpeculationTotals.Steps > 0, "no verification step ran");
    }
}
