using System.Globalization;
using System.Runtime.InteropServices;
using CodeAssist.Engine;
using CodeAssist.Inference;
using CodeAssist.Inference.Devices;
using CodeAssist.ModelFactory;

namespace CodeAssist.Server.Bench;

/// <summary>
/// Runs every measurement of `codeassist bench` in one process run, in an order that keeps them apart: generation
/// alone, context builds in-process, then server children over stdio. Everything it creates lives in one temporary
/// folder that is deleted at the end.
/// </summary>
internal static class BenchRunner
{
    private const int RandomModelSeed = 7;

    public static async Task<BenchReport> RunAsync(BenchPlan plan, string? modelPath, CancellationToken cancellationToken)
    {
        var started = Clock.Now();
        var loadAtStart = LoadAverage();
        var temp = Directory.CreateTempSubdirectory("codeassist-bench-");
        try
        {
            return await BenchProgress.RunAsync(progress => MeasureAsync(plan, modelPath, temp.FullName, started, loadAtStart, progress, cancellationToken)).ConfigureAwait(false);
        }
        finally
        {
            try
            {
                temp.Delete(recursive: true);
            }
            catch (IOException)
            {
                // A build host may still hold a file for a moment; the OS cleans temp folders.
            }
        }
    }

    private static async Task<BenchReport> MeasureAsync(BenchPlan plan, string? modelPath, string temp, long started, double? loadAtStart,
        BenchProgress progress, CancellationToken cancellationToken)
    {
        var settings = new AssistSettings { MaxTokens = BenchPlan.MaxNewTokens, ContextBudget = BenchPlan.PromptBudget, Multiline = true, Candidates = 1 };
        string modelDirectory, modelDescription, scriptedDirectory;
        IReadOnlyList<GeneratedFile> files;
        string looseRoot, looseFile;
        var solutionRoot = Path.Combine(temp, "solution");
        using (var step = progress.Step("writing the model and generating the solution"))
        {
            if (modelPath is null)
            {
                modelDirectory = Path.Combine(temp, "model");
                var shape = DecoderShape.Realistic;
                ModelFolderWriter.WriteRandom(modelDirectory, shape, RandomModelSeed, "codeassist-bench-random");
                modelDescription = string.Create(CultureInfo.InvariantCulture,
                    $"random Llama weights (seed {RandomModelSeed}): {shape.Layers} layers, hidden {shape.Hidden}, {shape.Heads} heads, MLP {shape.Intermediate}, vocabulary {ByteLevelBpeTokenizer.DefaultVocabSize}");
            }
            else
            {
                modelDirectory = Path.GetFullPath(modelPath);
                modelDescription = Path.GetFileName(Path.TrimEndingDirectorySeparator(modelDirectory));
            }
            scriptedDirectory = Path.Combine(temp, "scripted");
            ModelFolderWriter.WriteScripted(scriptedDirectory, BenchPlan.ScriptedSuggestion, "codeassist-bench-scripted");
            files = GeneratedSolution.Write(solutionRoot, plan.Shape);
            looseRoot = Path.Combine(temp, "loose");
            Directory.CreateDirectory(looseRoot);
            var looseSource = files[files.Count / 2];
            looseFile = Path.Combine(looseRoot, Path.GetFileName(looseSource.Path));
            File.Copy(looseSource.Path, looseFile);
        }
        progress.Note($"{files.Count} files, {files.Sum(f => f.Lines)} lines in {plan.Shape.Projects} projects; model: {modelDescription}");

        using var raw = LanguageModel.Load(modelDirectory, DevicePreference.Auto);
        var sampleSources = files.Where((_, i) => i % Math.Max(1, files.Count / 8) == 0).Take(8).Select(f => File.ReadAllText(f.Path)).ToList();

        ThroughputFigures throughput;
        using (var step = progress.Step("generation alone: throughput and time to first token", plan.ModelRepetitions))
            throughput = await ModelBenchmark.ThroughputAsync(raw, sampleSources, plan.ModelRepetitions, BenchPlan.ThroughputNewTokens, step, cancellationToken).ConfigureAwait(false);
        KvReuseFigures kvReuse;
        using (var step = progress.Step("KV prefix reuse on a ~1000-token prompt", plan.ModelRepetitions))
            kvReuse = await ModelBenchmark.KvReuseAsync(raw, sampleSources, plan.ModelRepetitions, step, cancellationToken).ConfigureAwait(false);

        using var engine = new InProcessEngine(solutionRoot);
        double loadMs;
        using (var step = progress.Step("loading the generated solution in-process (MSBuildWorkspace)"))
        {
            var (ms, warnings, projects) = await engine.LoadAsync(GeneratedSolution.SolutionPath(solutionRoot), cancellationToken).ConfigureAwait(false);
            loadMs = ms;
            if (projects != plan.Shape.Projects)
                throw new InvalidOperationException($"the generated solution loaded {projects} of {plan.Shape.Projects} projects: {string.Join("; ", warnings.Take(3))}");
        }
        ContextFigures context;
        using (var step = progress.Step("context builds at positions across the solution", plan.ContextPositions))
            context = await ContextBenchmark.RunAsync(engine, files, plan.Shape, loadMs, plan.ContextPositions, BenchPlan.PromptBudget, raw.CountTokens, step, cancellationToken).ConfigureAwait(false);

        StartupSample noModel;
        using (progress.Step("server without a model"))
            noModel = await ServerSessions.WithoutModelAsync(looseRoot, looseFile, Path.Combine(temp, "no-such-model")).ConfigureAwait(false);
        LooseSessionFigures loose;
        using (var step = progress.Step("server with the model on a loose file: cold and warm completions", plan.WarmCompletions + 2))
            loose = await ServerSessions.WithModelAsync(looseRoot, looseFile, modelDirectory, plan.WarmCompletions, step).ConfigureAwait(false);

        var file = files.First(f => f.Project == plan.Shape.Projects - 1 && f.Index == plan.Shape.FilesPerProject / 2);
        TimeToCompletion timeToCompletion;
        OverheadFigures overhead;
        TypeThroughFigures typeThrough;
        TypingFigures typing;
        double? solutionPeak;
        await using (var session = SolutionSession.Start(modelDirectory, engine, raw))
        {
            using (var step = progress.Step("server on the solution: completions while and after it loads", 3))
                timeToCompletion = await session.TimeToCompletionAsync(solutionRoot, file.Path, step).ConfigureAwait(false);
            using (var step = progress.Step("overhead: LSP completion vs raw generation, interleaved", plan.OverheadPairs + 1))
                overhead = await session.OverheadAsync(plan.OverheadPairs, settings, step, cancellationToken).ConfigureAwait(false);
            solutionPeak = session.PeakResidentMiB();
            await session.SwitchModelAsync(scriptedDirectory).ConfigureAwait(false);
            using (var step = progress.Step("type-through cache hits (scripted model)", plan.TypeThroughHits))
                typeThrough = await session.TypeThroughAsync(plan.TypeThroughHits, step).ConfigureAwait(false);
            using (var step = progress.Step("simulated typing session (scripted model)", plan.TypingKeystrokes))
                typing = await session.TypingAsync(plan.TypingKeystrokes, "scripted", step).ConfigureAwait(false);
        }

        var startup = new StartupFigures(
            Distribution.Of([noModel.InitializeMs, loose.InitializeMs, timeToCompletion.InitializeMs]),
            loose.ModelReadyMs, loose.FirstCompletionColdMs, loose.WarmMs,
            timeToCompletion.LooseAfterInitializeMs, timeToCompletion.SolutionLoadedAfterInitializeMs,
            timeToCompletion.WithSolutionAfterInitializeMs, timeToCompletion.FirstAfterLoadMs, timeToCompletion.MembersBeforeLoad, timeToCompletion.MembersAfterLoad);
        return new BenchReport
        {
            Mode = plan.Quick ? "quick" : "full",
            Machine = new MachineInfo(Environment.ProcessorCount, RuntimeInformation.OSDescription, RuntimeInformation.FrameworkDescription, CpuModel(), loadAtStart, LoadAverage()),
            Model = new ModelInfo(modelDescription, modelPath is null ? "(generated in a temporary folder)" : modelDirectory, BenchPlan.PromptBudget, BenchPlan.MaxNewTokens),
            OverheadRatio = overhead.LspCompletionMs.P50 / overhead.RawGenerationMs.P50,
            OverheadMs = overhead.LspCompletionMs.P50 - overhead.RawGenerationMs.P50,
            Overhead = overhead,
            Startup = startup,
            Context = context,
            TypeThrough = typeThrough,
            Typing = typing,
            KvReuse = kvReuse,
            Throughput = throughput,
            Memory = new MemoryFigures(noModel.PeakMiB, loose.PeakMiB, solutionPeak),
            TotalSeconds = Clock.MillisecondsSince(started) / 1000,
        };
    }

    /// <summary>The one-minute load average, where /proc/loadavg exists.</summary>
    private static double? LoadAverage()
    {
        try
        {
            return double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }

    private static string? CpuModel()
    {
        try
        {
            return File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
