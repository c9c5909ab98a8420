using System.CommandLine;
using System.Diagnostics;
using CodeAssist.Inference;
using CodeAssist.Inference.Devices;
using CodeAssist.Inference.Generation;
using CodeAssist.Inference.Models;
using CodeAssist.Inference.Prompts;
using CodeAssist.ModelFactory;
using CodeAssist.ModelFactory.Builder;

namespace CodeAssist.Bench.Commands;

/// <summary>
/// `codeassist-bench real-models [--model DIR] [--repetitions N]`: a realistic-size builder-shaped int4 folder (qwen2,
/// GroupQueryAttention, MatMulNBits, Qwen2.5-Coder's 151,936-row vocabulary; or DIR) beside the plain-operator fp32
/// model of the same shape, in one process and one run: load time and resident memory, prompt and new tokens per
/// second, time to first token fresh and with KV reuse, and the token-healing index's first build and warm lookup.
/// Medians over the repetitions; the machine's load is printed with the figures.
/// </summary>
internal static class RealModelsCommand
{
    private const string Source =
        "public static class Orders\n{\n    public static decimal Total(IEnumerable<Order> orders)\n    {\n        var total = 0m;\n" +
        "        foreach (var order in orders)\n        {\n            total += order.Price * order.Quantity;\n        }\n" +
        "        return total;\n    }\n";

    public static Command Create()
    {
        var model = new Option<string?>("--model") { Description = "A builder-shaped model folder (default: random int4 qwen2 weights of realistic shape)" };
        var repetitions = new Option<int>("--repetitions") { Description = "Runs per figure (median reported)", DefaultValueFactory = _ => 5 };
        var command = new Command(
            "real-models",
            "Builder-shaped int4 vs plain fp32: throughput, time to first token with and without KV reuse, memory, healing index")
        {
            model, repetitions,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var temp = Directory.CreateTempSubdirectory("codeassist-real-models-").FullName;
            try
            {
                var shape = DecoderShape.RealisticGrouped;
                var builder = parse.GetValue(model) ?? Path.Combine(temp, "int4-qwen2");
                if (parse.GetValue(model) is null)
                {
                    ModelFolderWriter.WriteRandomBuilderShaped(
                        builder, shape, ByteLevelBpeTokenizer.QwenCoder, new BuilderModelOptions(BuilderModelType.Qwen2), seed: 7, "bench-int4-qwen2");
                }
                var plain = Path.Combine(temp, "fp32-plain");
                ModelFolderWriter.WriteRandom(plain, DecoderShape.Realistic, seed: 7, "bench-fp32-plain");
                // The same work on both sides of the A/B: same vocabulary (1,024 ids) and hidden size, only the graph differs.
                var sameVocabulary = Path.Combine(temp, "int4-llama-1024");
                ModelFolderWriter.WriteRandomBuilderShaped(
                    sameVocabulary, shape, ByteLevelBpeTokenizer.Default, new BuilderModelOptions(BuilderModelType.Llama), seed: 7, "bench-int4-llama");
                // DeepSeek-Coder's tokenizer layout: healing cuts through its four Splits and Digits. GenAI 0.18 cannot load
                // it (its tokenizer refuses \s?\p{L}+), so only the healing figures are taken, from the files.
                var deepSeek = Path.Combine(temp, "deepseek-coder-tokenizer");
                ByteLevelBpeTokenizer.DeepSeekCoder.WriteTo(deepSeek);
                Console.Out.WriteLine($"load average at start: {File.ReadAllText("/proc/loadavg").Trim()}");
                foreach (var (name, path) in new[]
                {
                    ("fp32 plain-op (Concat KV, vocab 1024)", plain),
                    ("int4 builder-shaped llama (GQA shared buffer, vocab 1024)", sameVocabulary),
                    ("int4 builder-shaped qwen2 (GQA shared buffer, vocab 151936)", builder),
                })
                {
                    await MeasureAsync(name, path, parse.GetValue(repetitions), cancellationToken);
                }
                Console.Out.WriteLine("DeepSeek-Coder tokenizer layout (vocab 32256; GenAI 0.18 cannot load it, healing only)");
                MeasureHealingIndex(deepSeek, ByteLevelBpeTokenizer.DeepSeekCoder.VocabSize, [], parse.GetValue(repetitions));
                MeasureHealingCut(deepSeek, string.Concat(Enumerable.Repeat(Source, 4)), parse.GetValue(repetitions));
                Console.Out.WriteLine($"load average at end: {File.ReadAllText("/proc/loadavg").Trim()}");
                return 0;
            }
            finally
            {
                Directory.Delete(temp, recursive: true);
            }
        });
        return command;
    }

    private static async Task MeasureAsync(string name, string path, int repetitions, CancellationToken cancellationToken)
    {
        var rssBefore = Process.GetCurrentProcess().WorkingSet64;
        var clock = Stopwatch.StartNew();
        using var model = LanguageModel.Load(path, DevicePreference.Cpu);
        var load = clock.Elapsed;
        var rss = Process.GetCurrentProcess().WorkingSet64;
        var prompt = string.Concat(Enumerable.Repeat(Source, 4));
        var (fresh, reused, promptRate, newRate) = (new List<double>(), new List<double>(), new List<double>(), new List<double>());
        for (var i = 0; i < repetitions; i++)
        {
            var first = await model.GenerateAsync(new GenerationRequest(prompt + $"// run {i}\n", 32) { ReusePrefix = false }, cancellationToken);
            fresh.Add(first.TimeToFirstToken.TotalMilliseconds);
            promptRate.Add(first.PromptTokens / first.TimeToFirstToken.TotalSeconds);
            if (first.NewTokens > 1)
                newRate.Add((first.NewTokens - 1) / (first.Elapsed - first.TimeToFirstToken).TotalSeconds);
            var next = await model.GenerateAsync(new GenerationRequest(prompt + $"// run {i}\n        var x", 8), cancellationToken);
            reused.Add(next.TimeToFirstToken.TotalMilliseconds);
        }
        Console.Out.WriteLine($"{name}: {Path.GetFileName(path)}");
        Console.Out.WriteLine($"  load {load.TotalMilliseconds:F0} ms, RSS +{(rss - rssBefore) / 1e6:F0} MB (process {rss / 1e6:F0} MB)");
        Console.Out.WriteLine($"  prompt {Median(promptRate):F0} tok/s, new {Median(newRate):F0} tok/s ({model.CountTokens(prompt)}-token prompt, 32 new)");
        Console.Out.WriteLine($"  time to first token: fresh {Median(fresh):F1} ms, with KV reuse {Median(reused):F1} ms");
        if (model.Folder.VocabSize is { } rows)
            MeasureHealingIndex(path, rows, model.Folder.SpecialTokenIds.Values, repetitions);
        if (model.Healing.Enabled)
            MeasureHealingCut(path, prompt, repetitions);
    }

    private static void MeasureHealingIndex(string path, int rows, IEnumerable<int> specialTokenIds, int repetitions)
    {
        var build = new List<double>();
        var warm = new List<double>();
        var clock = new Stopwatch();
        for (var i = 0; i < repetitions; i++)
        {
            clock.Restart();
            var index = HealingVocabulary.FromTokenizerJson(Path.Combine(path, ModelFolder.TokenizerFile), specialTokenIds, rows);
            build.Add(clock.Elapsed.TotalMilliseconds);
            clock.Restart();
            foreach (var healed in new[] { "Con", "foreach", "ord", "to", "Wr", "_", "total" })
                _ = index.Agreeing(healed).Count();
            warm.Add(clock.Elapsed.TotalMilliseconds / 7);
        }
        Console.Out.WriteLine($"  healing index over {rows} rows: build {Median(build):F1} ms (started in the background at load), " +
            $"warm lookup {Median(warm) * 1000:F0} µs per healed word");
    }

    /// <summary>
    /// The cut itself, on every request: building the pre-tokenizer's words from tokenizer.json (at load: its regexes
    /// compile), the first cut after that (first use of each regex) and warm cuts, on a prompt ending mid-word.
    /// </summary>
    private static void MeasureHealingCut(string path, string prompt, int repetitions)
    {
        using var tokenizer = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(Path.Combine(path, ModelFolder.TokenizerFile)));
        var clock = Stopwatch.StartNew();
        var healing = TokenHealing.FromTokenizerJson(tokenizer.RootElement);
        var build = clock.Elapsed.TotalMilliseconds;
        var prefix = prompt + "        total += order.Pri";
        clock.Restart();
        var (_, healed) = healing.Split(prefix);
        var first = clock.Elapsed.TotalMilliseconds;
        var warm = new List<double>();
        for (var i = 0; i < repetitions * 20; i++)
        {
            clock.Restart();
            _ = healing.Split(prefix);
            warm.Add(clock.Elapsed.TotalMilliseconds);
        }
        Console.Out.WriteLine($"  healing cut ({healing.Description}): words built {build:F1} ms at load, first cut {first * 1000:F0} µs, " +
            $"warm {Median(warm) * 1000:F1} µs (healed \"{healed}\")");
    }

    private static double Median(List<double> values)
    {
        if (values.Count == 0)
            return double.NaN;
        values.Sort();
        return values[values.Count / 2];
    }
}
