using System.Globalization;
using CodeAssist.ModelFactory;

namespace CodeAssist.Training;

/// <summary>
/// `codeassist-train COMMAND [--options]`: corpus, tokenizer, train, export, evalset, ngram, or all of them in
/// order with `all`. Every artifact goes under --work (default models/codeassist-tiny/corpus, git-ignored).
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        var options = CommandLine.Parse(args);
        var paths = new TrainingPaths(options.Get("work", DefaultWorkDirectory()));
        var output = Path.GetFullPath(options.Get("out", Path.Combine(RepositoryRoot(), "models", "codeassist-tiny")));
        Directory.CreateDirectory(paths.Root);
        switch (options.Command)
        {
            case "corpus":
                Corpus(paths, options);
                return 0;
            case "tokenizer":
                Tokenizer(paths, options);
                return 0;
            case "train":
                Train(paths, options);
                return 0;
            case "import":
                ImportCommand.Run(paths, Plan(options), options.Get("from", output), options.GetInt("step", 4800));
                return 0;
            case "instructions":
                Instructions(paths, options);
                return 0;
            case "export":
                Exporter.Export(paths, output);
                return 0;
            case "evalset":
                EvalSetWriter.Write(paths, options.GetInt("examples", 200));
                return 0;
            case "ngram":
                NGramBaseline.Evaluate(paths, options.Get("set", paths.EvalSet), options.Get("json", ""));
                return 0;
            case "show-samples":
            {
                var tokenizer = TokenizerStep.Load(paths);
                var split = CorpusSplit.Load(paths, CorpusManifest.Read(paths.Manifest), "validation", tokenizer, paths.ValidationTokens);
                var sampler = new FimSampler(split, tokenizer, 512, 1.0);
                var random = new Random(options.GetInt("seed", 3));
                for (var i = 0; i < options.GetInt("count", 3); i++)
                {
                    var spm = options.Has("spm");
                    var (inputs, targets) = sampler.Next(random, spm ? SampleMode.Spm : SampleMode.FimFocused);
                    var text = tokenizer.Decode(inputs);
                    Console.Out.WriteLine("----");
                    if (spm)
                    {
                        var middle = text.IndexOf(ByteLevelBpeTokenizer.FimMiddle, StringComparison.Ordinal);
                        var end = text.IndexOf(ByteLevelBpeTokenizer.EndOfText, middle, StringComparison.Ordinal) is var found and >= 0 ? found : text.Length;
                        var suffixStart = text.IndexOf(ByteLevelBpeTokenizer.FimSuffix, StringComparison.Ordinal)
                            + ByteLevelBpeTokenizer.FimSuffix.Length;
                        var suffix = text[suffixStart..middle];
                        Console.Out.WriteLine($"suffix: {suffix[..Math.Min(100, suffix.Length)]}…");
                        var shownEnd = Math.Min(text.Length, end + ByteLevelBpeTokenizer.EndOfText.Length);
                        Console.Out.WriteLine($"prefix and middle: …{text[Math.Max(middle, end - 300)..shownEnd]}");
                        continue;
                    }
                    var from = Math.Max(0, text.IndexOf(ByteLevelBpeTokenizer.FimSuffix, StringComparison.Ordinal) - 200);
                    var to = Math.Min(text.Length, text.IndexOf(ByteLevelBpeTokenizer.FimMiddle, StringComparison.Ordinal) + 150);
                    Console.Out.WriteLine(text[from..to]);
                    Console.Out.WriteLine($"scored targets: {tokenizer.Decode(targets.Where(t => t >= 0))}");
                }
                return 0;
            }
            case "validate":
                ValidateCommand.Run(
                    paths, options.GetInt("sequences", Trainer.SpmMiddleSequences),
                    options.Has("window") ? options.GetInt("window", 2048) : null,
                    [.. options.Get("rope-theta", "10000").Split(',').Select(t => float.Parse(t, CultureInfo.InvariantCulture))]);
                return 0;
            case "blend":
                BlendCommand.Run(paths, options.Get("with", ""), options.GetDouble("weight", 0.5), options.Get("into", ""));
                return 0;
            case "sample":
                SampleCommand.Run(paths, options.Get("prompt", ""), options.GetInt("max-tokens", 48));
                return 0;
            case "all":
                Corpus(paths, options);
                Tokenizer(paths, options);
                Instructions(paths, options);
                Train(paths, options);
                Exporter.Export(paths, output);
                EvalSetWriter.Write(paths, options.GetInt("examples", 200));
                NGramBaseline.Evaluate(paths, paths.EvalSet, Path.Combine(paths.Root, "eval-ngram.json"));
                return 0;
            default:
                Console.Error.WriteLine(
                    $"codeassist-train: unknown command '{options.Command}'; the commands are corpus, tokenizer, instructions, train, " +
                    "import, export, validate, blend, evalset, ngram and all (see models/CodeAssist.Training/README.md)");
                return 2;
        }
    }

    private static void Corpus(TrainingPaths paths, CommandLine options) =>
        CorpusBuilder.Build(paths, options.GetLong("max-chars", 40_000_000), RepositoryRoot());

    private static void Tokenizer(TrainingPaths paths, CommandLine options) =>
        TokenizerStep.Train(paths, CorpusManifest.Read(paths.Manifest), options.GetInt("vocab", 4096), options.GetLong("tokenizer-sample-chars", 6_000_000));

    private static void Train(TrainingPaths paths, CommandLine options)
    {
        var plan = Plan(options);
        DateTime? stopAt = options.Has("stop-at")
            ? DateTime.SpecifyKind(DateTime.UtcNow.Date + TimeSpan.Parse(options.Get("stop-at", ""), CultureInfo.InvariantCulture), DateTimeKind.Utc)
            : null;
        Trainer.Run(
            paths, plan, options.Has("resume"), options.Has("probe-steps") ? options.GetInt("probe-steps", 20) : null, options.GetInt("threads", 1), stopAt);
    }

    private static void Instructions(TrainingPaths paths, CommandLine options) =>
        InstructionWriter.Write(paths, options.GetInt("instructions-per-kind", InstructionWriter.DefaultPerKind));

    /// <summary>
    /// The whole schedule, every stage from the first step: plain and PSM FIM, the FIM focus, SPM, and from step 4800 the
    /// long-context stage (2,048 tokens, the larger rotary base, refactoring instructions mixed in).
    /// </summary>
    private static TrainingPlan Plan(CommandLine options) =>
        new(
            Layers: options.GetInt("layers", 4),
            Hidden: options.GetInt("hidden", 256),
            Heads: options.GetInt("heads", 4),
            Intermediate: options.GetInt("intermediate", 688),
            ContextLength: options.GetInt("context", 512),
            VocabSize: options.GetInt("vocab", 4096),
            BatchSize: options.GetInt("batch", 4),
            Steps: options.GetInt("steps", DefaultSteps),
            WarmupSteps: options.GetInt("warmup", 40),
            PeakLearningRate: options.GetDouble("lr", 1.5e-3),
            FinalLearningRate: options.GetDouble("final-lr", 1.5e-4),
            FimRate: options.GetDouble("fim-rate", 0.5),
            Seed: options.GetInt("seed", 1),
            EvalEvery: options.GetInt("eval-every", 50),
            CheckpointMinutes: options.GetInt("checkpoint-minutes", 4),
            RestartAt: options.GetInt("restart-at", 700),
            FimFocusFrom: options.GetInt("fim-focus-from", 1006),
            LaterRestartAt: options.GetInt("later-restart-at", 1300),
            SpmFrom: options.GetInt("spm-from", 1300),
            LongFrom: options.GetInt("long-from", 4800),
            LongContext: options.GetInt("long-context", 2048),
            LongBatch: options.GetInt("long-batch", 1),
            InstructionRate: options.GetDouble("instruction-rate", 0.5),
            LongPeakLearningRate: options.GetDouble("long-peak-lr", 0),
            SpmRehearsal: options.GetDouble("spm-rehearsal", 0));

    /// <summary>The shipped model's last step: 4,800 steps of 4 × 512 tokens, then the long-context stage's steps of 1 × 2,048.</summary>
    private const int DefaultSteps = 4800 + 500;

    public static string RepositoryRoot()
    {
        // The build output first; the working directory for a build placed elsewhere (-o).
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "CodeAssist.sln")))
            directory = directory.Parent;
        directory ??= new DirectoryInfo(Environment.CurrentDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "CodeAssist.sln")))
            directory = directory.Parent;
        return directory?.FullName ?? throw new InvalidOperationException(
            $"No CodeAssist.sln above {AppContext.BaseDirectory} or {Environment.CurrentDirectory}; run the tool from the repository.");
    }

    private static string DefaultWorkDirectory() => Path.Combine(RepositoryRoot(), "models", "codeassist-tiny", "corpus");
}

/// <summary>`command --key value --flag`: all the tool needs.</summary>
internal sealed class CommandLine
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    public string Command { get; private set; } = "";

    public static CommandLine Parse(string[] args)
    {
        var result = new CommandLine { Command = args.Length > 0 ? args[0] : "" };
        for (var i = 1; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
                throw new ArgumentException($"Unexpected argument '{args[i]}'; options are spelled --name value.");
            var hasValue = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal);
            result._values[args[i][2..]] = hasValue ? args[++i] : "true";
        }
        return result;
    }

    public string Get(string name, string fallback) => _values.GetValueOrDefault(name, fallback);

    public bool Has(string name) => _values.ContainsKey(name);

    public long GetLong(string name, long fallback) =>
        _values.TryGetValue(name, out var v) ? long.Parse(v, System.Globalization.CultureInfo.InvariantCulture) : fallback;

    public int GetInt(string name, int fallback) => (int)GetLong(name, fallback);

    public double GetDouble(string name, double fallback) =>
        _values.TryGetValue(name, out var v) ? double.Parse(v, System.Globalization.CultureInfo.InvariantCulture) : fallback;
}
