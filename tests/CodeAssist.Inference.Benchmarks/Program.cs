using System.Diagnostics;
using System.Text;
using CodeAssist.Inference;
using CodeAssist.Inference.Devices;
using CodeAssist.Inference.Generation;
using CodeAssist.Inference.Prompts;
using CodeAssist.ModelFactory;

// KV prefix reuse, measured the way an editor uses it: a ~1000-token FIM prompt, then one request per keystroke while
// a line is typed at the cursor. Two instances of the same model serve the same requests, one with reuse and one
// without (ReusePrefix = false), alternating which goes first so that load from other processes hits both alike.
// Prints figures; asserts nothing.
//
//   dotnet run -c Release --project tests/CodeAssist.Inference.Benchmarks -- [--runs 25] [--warmup 3] [--prompt-tokens 1000] [--new-tokens 16] [--seed 1]

var options = BenchmarkOptions.Parse(args);
var folder = Directory.CreateTempSubdirectory("codeassist-kv-bench-").FullName;
try
{
    var shape = DecoderShape.Realistic;
    ModelFolderWriter.WriteRandom(folder, shape, options.Seed);
    using var withReuse = LanguageModel.Load(folder, DevicePreference.Cpu);
    using var withoutReuse = LanguageModel.Load(folder, DevicePreference.Cpu);

    var context = SourceText.PrefixOfAbout(options.PromptTokens, withReuse.CountTokens);
    const string suffix = "\n    }\n}\n";
    const string typedLine = "        var total = order.Lines.Where(line => line.Quantity > 0).Sum(line => line.Price * line.Quantity);";
    var keystrokes = options.Warmup + options.Runs;
    if (keystrokes > typedLine.Length)
        throw new ArgumentException($"at most {typedLine.Length - options.Warmup} runs: the typed line has {typedLine.Length} characters");

    var fim = withReuse.Format.Fim ?? throw new InvalidOperationException("the generated model has no FIM format");
    var measured = new Dictionary<bool, List<GenerationResult>> { [true] = [], [false] = [] };
    var wall = Stopwatch.StartNew();
    for (var k = 1; k <= keystrokes; k++)
    {
        var prompt = fim.Build(new FimRequest(context + typedLine[..k], suffix));
        foreach (var reuse in k % 2 == 0 ? new[] { true, false } : [false, true])
        {
            var model = reuse ? withReuse : withoutReuse;
            var result = await model.GenerateAsync(new GenerationRequest(prompt, options.NewTokens) { ReusePrefix = reuse }, CancellationToken.None);
            if (k > options.Warmup)
                measured[reuse].Add(result);
        }
    }

    Console.WriteLine($"KV prefix reuse — {shape.Layers} layers x {shape.Hidden} hidden, {shape.Heads} heads, vocabulary {ByteLevelBpeTokenizer.DefaultVocabSize}, random weights (seed {options.Seed})");
    Console.WriteLine($"ONNX Runtime GenAI {GenAiRuntime.Version}, {withReuse.Device.DisplayName}, {Environment.ProcessorCount} logical processors, load average {LoadAverage()}");
    Console.WriteLine($"{measured[true][0].PromptTokens}-token FIM prompt, one request per typed character, {options.NewTokens} new tokens (greedy); " +
                      $"medians over {options.Runs} requests after {options.Warmup} warm-up, {wall.Elapsed.TotalSeconds:F0} s in all");
    Console.WriteLine();
    var rows = new (string Name, Func<GenerationResult, double> Value, string Format)[]
    {
        ("prompt tokens", r => r.PromptTokens, "F0"),
        ("prompt tokens reused from the KV cache", r => r.ReusedPromptTokens, "F0"),
        ("prompt tokens run through the model", r => r.PromptTokens - r.ReusedPromptTokens, "F0"),
        ("time to first token (ms)", r => r.TimeToFirstToken.TotalMilliseconds, "F1"),
        ("prompt tokens/s (tokens run / time to first token)", r => (r.PromptTokens - r.ReusedPromptTokens) / r.TimeToFirstToken.TotalSeconds, "F0"),
        ("effective prompt tokens/s (whole prompt / time to first token)", r => r.PromptTokens / r.TimeToFirstToken.TotalSeconds, "F0"),
        ("new tokens", r => r.NewTokens, "F0"),
        ("generation tokens/s (after the first token)", r => r.NewTokens > 1 ? (r.NewTokens - 1) / (r.Elapsed - r.TimeToFirstToken).TotalSeconds : double.NaN, "F0"),
        ("request total (ms)", r => r.Elapsed.TotalMilliseconds, "F1"),
    };
    var width = rows.Max(r => r.Name.Length);
    Console.WriteLine($"{"".PadRight(width)}  {"without reuse",14}  {"with reuse",14}");
    foreach (var (name, value, format) in rows)
        Console.WriteLine($"{name.PadRight(width)}  {Median(measured[false], value).ToString(format),14}  {Median(measured[true], value).ToString(format),14}");
    var p90 = (Func<GenerationResult, double>)(r => r.TimeToFirstToken.TotalMilliseconds);
    Console.WriteLine($"{"time to first token, 90th percentile (ms)".PadRight(width)}  {Percentile(measured[false], p90, 0.9),14:F1}  {Percentile(measured[true], p90, 0.9),14:F1}");
    Console.WriteLine();
    Console.WriteLine($"time to first token: {Median(measured[false], p90) / Median(measured[true], p90):F1}x faster with reuse");
    var mismatches = measured[true].Zip(measured[false]).Count(pair => pair.First.Text != pair.Second.Text);
    Console.WriteLine($"replies that differ between the two: {mismatches} of {options.Runs} (reuse must not change output)");
}
finally
{
    Directory.Delete(folder, recursive: true);
}

static double Median(IReadOnlyList<GenerationResult> results, Func<GenerationResult, double> value) => Percentile(results, value, 0.5);

static double Percentile(IReadOnlyList<GenerationResult> results, Func<GenerationResult, double> value, double fraction)
{
    var values = results.Select(value).Where(v => !double.IsNaN(v)).Order().ToArray();
    if (values.Length == 0)
        return double.NaN;
    var position = fraction * (values.Length - 1);
    var below = (int)Math.Floor(position);
    var above = Math.Min(below + 1, values.Length - 1);
    return values[below] + (values[above] - values[below]) * (position - below);
}

static string LoadAverage() =>
    File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "unknown";

/// <summary>Command-line settings of the benchmark.</summary>
internal sealed record BenchmarkOptions(int Runs, int Warmup, int PromptTokens, int NewTokens, int Seed)
{
    public static BenchmarkOptions Parse(string[] args)
    {
        var options = new BenchmarkOptions(Runs: 25, Warmup: 3, PromptTokens: 1000, NewTokens: 16, Seed: 1);
        for (var i = 0; i < args.Length; i += 2)
        {
            var value = i + 1 < args.Length && int.TryParse(args[i + 1], out var number) && number > 0
                ? number
                : throw new ArgumentException($"{args[i]} needs a positive number");
            options = args[i] switch
            {
                "--runs" => options with { Runs = value },
                "--warmup" => options with { Warmup = value },
                "--prompt-tokens" => options with { PromptTokens = value },
                "--new-tokens" => options with { NewTokens = value },
                "--seed" => options with { Seed = value },
                _ => throw new ArgumentException($"unknown option {args[i]}; use --runs, --warmup, --prompt-tokens, --new-tokens, --seed"),
            };
        }
        return options;
    }
}

/// <summary>C# text for the prompt: the start of a file the cursor sits at the end of.</summary>
internal static class SourceText
{
    /// <summary>Classes of an order domain, as many as it takes to reach about <paramref name="tokens"/> tokens.</summary>
    public static string PrefixOfAbout(int tokens, Func<string, int> countTokens)
    {
        var text = new StringBuilder("using System;\nusing System.Collections.Generic;\nusing System.Linq;\n\nnamespace Shop.Orders;\n\n");
        for (var i = 0; countTokens(text.ToString()) < tokens - 30; i++)
        {
            text.Append($$"""
                public sealed class OrderLine{{i}}
                {
                    public required string Product { get; init; }
                    public decimal Price { get; init; }
                    public int Quantity { get; set; }

                    public decimal Total() => Price * Quantity;

                    public override string ToString() => $"{Product} x {Quantity}";
                }


                """);
        }
        text.Append("public static class OrderTotals\n{\n    public static decimal Compute(Order order)\n    {\n");
        return text.ToString();
    }
}
