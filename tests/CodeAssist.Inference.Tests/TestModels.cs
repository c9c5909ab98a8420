using System.Text.Json.Nodes;
using CodeAssist.Inference.Devices;
using CodeAssist.ModelFactory;
using CodeAssist.ModelFactory.Builder;

namespace CodeAssist.Inference.Tests;

/// <summary>Real GenAI model folders from our own generator, and the ways tests break them.</summary>
internal static class TestModels
{
    /// <summary>
    /// A seed whose Tiny random model, greedy, runs past 1500 tokens after <see cref="LongRunningPrompt"/> without
    /// meeting a stop token: tests that must cancel or time out a generation in flight rely on it.
    /// </summary>
    public const int LongRunningSeed = 6;

    public const string LongRunningPrompt =
        "<|fim_prefix|>public static class Program\n{\n    public static void Main()\n    {\n        <|fim_suffix|>\n    }\n}\n<|fim_middle|>";

    /// <summary>A FIM prompt in the scripted model's format: its greedy reply is exactly the script.</summary>
    public static string FimPrompt(string prefix = "int x = ", string suffix = ";\n") => $"<|fim_prefix|>{prefix}<|fim_suffix|>{suffix}<|fim_middle|>";

    public static string Scripted(TempDirectory directory, string script, string name = "scripted")
    {
        var path = directory.Combine(name);
        ModelFolderWriter.WriteScripted(path, script);
        return path;
    }

    public static string Random(TempDirectory directory, int seed = LongRunningSeed, string name = "random")
    {
        var path = directory.Combine(name);
        ModelFolderWriter.WriteRandom(path, DecoderShape.Tiny, seed);
        return path;
    }

    /// <summary>
    /// A folder in the shape the GenAI model builder writes for a real model at int4 on CPU: qwen2 with
    /// Qwen2.5-Coder's 151,936-row vocabulary (hidden size 32 keeps its embedding near 20 MB), or llama with
    /// grouped-query attention and our small vocabulary.
    /// </summary>
    public static string BuilderShaped(TempDirectory directory, BuilderModelType type, int seed = LongRunningSeed, string? name = null)
    {
        var path = directory.Combine(name ?? $"builder-{type}".ToLowerInvariant());
        var (shape, tokenizer) = type == BuilderModelType.Qwen2
            ? (DecoderShape.QwenTest, ByteLevelBpeTokenizer.QwenCoder)
            : (new DecoderShape(Layers: 2, Hidden: 64, Heads: 4, Intermediate: 128, ContextLength: 2048, KeyValueHeads: 2), ByteLevelBpeTokenizer.Default);
        ModelFolderWriter.WriteRandomBuilderShaped(path, shape, tokenizer, new BuilderModelOptions(type), seed);
        return path;
    }

    /// <summary>
    /// A folder in the shape the model builder writes for DeepSeek-Coder 1.3B/6.7B at int4 on CPU: llama, one key/value
    /// head per query head, 16,384 positions, DeepSeek-Coder's added tokens, ids, configs (add_bos_token) and 32,256-row
    /// vocabulary, hidden size 32. GenAI 0.18 refuses DeepSeek-Coder's real pre-tokenizer, so unless
    /// <paramref name="realPreTokenizer"/> the folder has the variant it reads
    /// (<see cref="ModelFactory.Tokenization.TokenizerLayout.DeepSeekCoderReadableByGenAi"/>).
    /// </summary>
    public static string DeepSeekCoder(TempDirectory directory, int seed = LongRunningSeed, string name = "deepseek-coder", bool realPreTokenizer = false)
    {
        var path = directory.Combine(name);
        var options = new BuilderModelOptions(BuilderModelType.Llama) { RmsNormEpsilon = 1e-6f };
        var tokenizer = realPreTokenizer ? ByteLevelBpeTokenizer.DeepSeekCoder : ByteLevelBpeTokenizer.DeepSeekCoderReadableByGenAi;
        ModelFolderWriter.WriteRandomBuilderShaped(path, DecoderShape.DeepSeekTest, tokenizer, options, seed);
        return path;
    }

    public static LanguageModel LoadOnCpu(string path) => LanguageModel.Load(path, DevicePreference.Cpu);

    /// <summary>Rewrites a JSON file of the folder through <paramref name="edit"/>.</summary>
    public static void EditJson(string folder, string file, Action<JsonObject> edit)
    {
        var path = Path.Combine(folder, file);
        var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(json);
        File.WriteAllText(path, json.ToJsonString());
    }

    /// <summary>
    /// Renames the FIM markers in both tokenizer files, as a tokenizer trained without FIM would have them: same
    /// ids, other spellings. The model itself is unchanged, so it still loads and runs.
    /// </summary>
    public static void RemoveFimTokens(string folder)
    {
        foreach (var file in new[] { "tokenizer.json", "tokenizer_config.json" })
        {
            var path = Path.Combine(folder, file);
            var text = File.ReadAllText(path);
            foreach (var marker in new[] { "fim_prefix", "fim_suffix", "fim_middle", "fim_pad" })
                text = text.Replace($"<|{marker}|>", $"<|unused_{marker}|>");
            File.WriteAllText(path, text);
        }
    }
}
