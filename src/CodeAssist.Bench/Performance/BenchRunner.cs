using System.Globalization;
using System.Runtime.InteropServices;
using CodeAssist.Inference;
using CodeAssist.Inference.Devices;
using CodeAssist.ModelFactory;

namespace CodeAssist.Bench.Performance;

/// <summary>
/// Runs every measurement of `codeassist-bench bench` in one process run, in an order that keeps them apart: generation
/// alone, context builds in-process, then server children over stdio. Everything it creates lives in one temporary
/// folder that is deleted at the end.
/// </summary>
internal static class BenchRunner
{
    private const int RandomModelSeed = 7;

    /// <summary>The generated draft for the generated model: the same tokenizer, a fraction of the work per token.</summary>
    private static readonly DecoderShape RandomDraftShape = new(Layers: 1, Hidden: 64, Heads: 2, Intermediate: 172, ContextLength: 4096);

    public static async Task<BenchReport> RunAsync(BenchPlan plan, string? modelPath, CancellationToken cancellationToken, string? draftPath = null)
    {
        var started = Clock.Now();
        var loadAtStart = LoadAverage();
        var temp = Directory.CreateTempSubdirectory("codeassist-bench-");
        try
        {
            return await BenchProgress.RunAsync(
                progress => MeasureAsync(plan, modelPath, draftPath, temp.FullName, started, loadAtStart, progress, cancellationToken))
                .ConfigureAwait(false);
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

    private static async Task<BenchReport> MeasureAsync(BenchPlan plan, string? modelPath, string? draftPath, string temp, long started, double? loadAtStart,
        BenchProgress progress, CancellationToken cancellationToken)
    {
        var draftDescription = draftPath is null ? null : Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(draftPath)));
        var settings = BenchPlan.Settings;
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
                    $"random Llama weights (seed {RandomModelSeed}): {shape.Layers} layers, hidden {shape.Hidden}, {shape.Heads} heads, " +
                    $"MLP {shape.Intermediate}, vocabulary {ByteLevelBpeTokenizer.DefaultVocabSize}");
                if (draftPath is null)
                {
                    // Random weights agree with no other random weights: this draft shows what a draft costs, not what it gains.
                    draftPath = Path.Combine(temp, "draft");
                    ModelFolderWriter.WriteRandom(draftPath, RandomDraftShape, RandomModelSeed + 1, "codeassist-bench-random-draft");
                    draftDescription = string.Create(CultureInfo.InvariantCulture,
                        $"random weights, {RandomDraftShape.Layers} layer, hidden {RandomDraftShape.Hidden} (agrees with the random model by chance only)");
                }
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

        if (plan.StartupOnly)
        {
            var errorsStartup = new List<string>();
            StartupTimelines? timeline = null;
            var title = $"start-up timeline: {plan.StartupStarts} server starts on the solution, a ReadyToRun hello world before each";
            using (var step = progress.Step(title, plan.StartupStarts))
            {
                try
                {
                    timeline = await StartupBenchmark.RunAsync(
                        plan.StartupStarts, modelDirectory, solutionRoot, StartupFile(files, plan).Path, looseRoot, looseFile, step, cancellationToken)
                        .ConfigureAwait(false);
                    errorsStartup.AddRange(timeline.FailedStarts.Select(f => $"start-up timeline: {f}"));
                }
                catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    errorsStartup.Add($"start-up timeline: {e.Message}");
                }
            }
            return new BenchReport
            {
                Mode = plan.Name + ", start-up only",
                Machine = MachineNow(loadAtStart),
                Model = ModelOf(modelDescription, modelPath, modelDirectory),
                OverheadRatio = double.NaN,
                OverheadMs = double.NaN,
                StartupTimeline = timeline?.Server,
                StartupTimelineBaseline = timeline?.Baseline,
                StartupTimelineCached = timeline?.Cached,
                Errors = errorsStartup,
                TotalSeconds = Clock.MillisecondsSince(started) / 1000,
            };
        }

        using var raw = LanguageModel.Load(modelDirectory, DevicePreference.Auto);
        var sampleSources = files.Where((_, i) => i % Math.Max(1, files.Count / 8) == 0).Take(8).Select(f => File.ReadAllText(f.Path)).ToList();
        var errors = new List<string>();

        // A phase that fails is reported and the run goes on: one broken figure should not cost all the others.
        async Task<T?> Phase<T>(string name, double total, Func<IBenchStep, Task<T>> measure) where T : class
        {
            using var step = progress.Step(name, total);
            try
            {
                return await measure(step).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                errors.Add($"{name}: {e.Message}");
                progress.Note($"failed: {e.Message}");
                return null;
            }
        }

        var throughput = plan.ContextOnly ? null : await Phase("generation alone: throughput and time to first token", plan.ModelRepetitions,
            step => ModelBenchmark.ThroughputAsync(raw, sampleSources, plan.ModelRepetitions, BenchPlan.ThroughputNewTokens, step, cancellationToken))
            .ConfigureAwait(false);
        var kvReuse = plan.ContextOnly ? null : await Phase("KV prefix reuse on a ~1000-token prompt", plan.ModelRepetitions,
            step => ModelBenchmark.KvReuseAsync(raw, sampleSources, plan.ModelRepetitions, step, cancellationToken)).ConfigureAwait(false);
        var speculative = plan.ContextOnly ? null : await Phase("speculative decoding: plain greedy, draft model, prompt lookup", plan.SpeculativePrompts,
            step => SpeculativeBenchmark.RunAsync(modelDirectory, draftPath, draftDescription, sampleSources, plan.SpeculativePrompts, step, cancellationToken))
            .ConfigureAwait(false);
        foreach (var mismatch in speculative?.Mismatches ?? [])
            errors.Add($"speculative decoding changed the greedy reply: {mismatch}");
        if (plan.SpeculativeOnly)
        {
            return new BenchReport
            {
                Mode = plan.Name + ", speculative only",
                Machine = MachineNow(loadAtStart),
                Model = ModelOf(modelDescription, modelPath, modelDirectory),
                OverheadRatio = double.NaN,
                OverheadMs = double.NaN,
                Throughput = throughput,
                KvReuse = kvReuse,
                Speculative = speculative,
                Errors = errors,
                TotalSeconds = Clock.MillisecondsSince(started) / 1000,
            };
        }

        // The in-process solution is needed by the A/B breakdown too, so a failed load ends the run.
        using var engine = new InProcessEngine(solutionRoot);
        double loadMs;
        using (progress.Step("loading the generated solution in-process (MSBuildWorkspace)"))
        {
            var (ms, warnings, projects) = await engine.LoadAsync(GeneratedSolution.SolutionPath(solutionRoot), cancellationToken).ConfigureAwait(false);
            loadMs = ms;
            if (projects != plan.Shape.Projects)
            {
                throw new InvalidOperationException(
                    $"the generated solution loaded {projects} of {plan.Shape.Projects} projects: {string.Join("; ", warnings.Take(3))}");
            }
        }
        // The server warms every project's compilation in the background when a load ends; the builds are measured
        // after it, as a user who starts typing a few seconds after the load meets them.
        double warmUpMs;
        using (progress.Step("warming the compilations (as the server does after a load)"))
        {
            var warmStart = Clock.Now();
            await engine.Workspace.Warming.ConfigureAwait(false);
            warmUpMs = Clock.MillisecondsSince(warmStart);
        }
        var context = plan.NextEditOnly ? null : await Phase("context builds at positions across the solution", plan.ContextPositions,
            step => ContextBenchmark.RunAsync(
                engine, files, plan.Shape, loadMs, warmUpMs, plan.ContextPositions, BenchPlan.PromptBudget, raw.CountTokens, step, cancellationToken))
            .ConfigureAwait(false);
        var nextEdits = await Phase("next edits: locations and validation after generated edits (with and without reuse), then whole suggestions",
            plan.NextEditCases + plan.NextEditSuggestions,
            step => NextEditBenchmark.RunAsync(engine, plan.NextEditCases, plan.NextEditSuggestions, modelDirectory, step, cancellationToken))
            .ConfigureAwait(false);
        if (plan.ContextOnly)
        {
            return new BenchReport
            {
                Mode = plan.Name + (plan.NextEditOnly ? ", next edits only" : ", context only"),
                Machine = MachineNow(loadAtStart),
                Model = ModelOf(modelDescription, modelPath, modelDirectory),
                OverheadRatio = double.NaN,
                OverheadMs = double.NaN,
                Context = context,
                NextEdits = nextEdits,
                Errors = errors,
                TotalSeconds = Clock.MillisecondsSince(started) / 1000,
            };
        }

        var noModel = await Phase("server without a model", 1,
            _ => ServerSessions.WithoutModelAsync(looseRoot, looseFile, Path.Combine(temp, "no-such-model"))).ConfigureAwait(false);
        var loose = await Phase("server with the model on a loose file: cold and warm completions", plan.WarmCompletions + 2,
            step => ServerSessions.WithModelAsync(looseRoot, looseFile, modelDirectory, plan.WarmCompletions, step)).ConfigureAwait(false);

        var file = StartupFile(files, plan);
        var startupTimeline = await Phase(
            $"start-up timeline: {plan.StartupStarts} server starts on the solution, a ReadyToRun hello world before each",
            plan.StartupStarts,
            step => StartupBenchmark.RunAsync(plan.StartupStarts, modelDirectory, solutionRoot, file.Path, looseRoot, looseFile, step, cancellationToken))
            .ConfigureAwait(false);
        if (startupTimeline is not null)
            errors.AddRange(startupTimeline.FailedStarts.Select(f => $"start-up timeline: {f}"));
        TimeToCompletion? timeToCompletion = null;
        OverheadFigures? overhead = null;
        TypeThroughFigures? typeThrough = null;
        TypingFigures? typing = null;
        double? solutionPeak = null;
        await using (var session = SolutionSession.Start(modelDirectory, engine, raw))
        {
            // Each later phase needs the session the earlier ones set up, so the first failure ends this session.
            timeToCompletion = await Phase("server on the solution: completions while and after it loads", 3,
                step => session.TimeToCompletionAsync(solutionRoot, file.Path, step)).ConfigureAwait(false);
            if (timeToCompletion is not null)
            {
                overhead = await Phase("overhead: LSP completion vs raw generation, interleaved", plan.OverheadPairs + 1,
                    step => session.OverheadAsync(plan.OverheadPairs, settings, step, cancellationToken)).ConfigureAwait(false);
            }
            solutionPeak = session.PeakResidentMiB();
            if (overhead is not null)
            {
                typeThrough = await Phase("type-through cache hits (scripted model)", plan.TypeThroughHits, async step =>
                {
                    await session.SwitchModelAsync(scriptedDirectory).ConfigureAwait(false);
                    return await session.TypeThroughAsync(plan.TypeThroughHits, scriptedDirectory, settings, step).ConfigureAwait(false);
                }).ConfigureAwait(false);
            }
            if (typeThrough is not null)
            {
                typing = await Phase("simulated typing session (scripted model)", plan.TypingKeystrokes,
                    step => session.TypingAsync(plan.TypingKeystrokes, "scripted", step)).ConfigureAwait(false);
            }
        }

        double[] starts = [.. new[] { noModel?.InitializeMs, loose?.InitializeMs, timeToCompletion?.InitializeMs }.OfType<double>()];
        var startup = new StartupFigures(
            Distribution.Of(starts),
            loose?.ModelReadyMs ?? double.NaN, loose?.FirstCompletionColdMs ?? double.NaN, loose?.WarmMs ?? Distribution.Of([]),
            timeToCompletion?.LooseAfterInitializeMs ?? double.NaN, timeToCompletion?.SolutionLoadedAfterInitializeMs ?? double.NaN,
            timeToCompletion?.WithSolutionAfterInitializeMs ?? double.NaN, timeToCompletion?.FirstAfterLoadMs ?? double.NaN,
            timeToCompletion?.MembersBeforeLoad, timeToCompletion?.MembersAfterLoad ?? false);
        return new BenchReport
        {
            Mode = plan.Name,
            Machine = MachineNow(loadAtStart),
            Model = ModelOf(modelDescription, modelPath, modelDirectory),
            OverheadRatio = overhead is null ? double.NaN : overhead.LspCompletionMs.P50 / overhead.RawGenerationMs.P50,
            OverheadMs = overhead is null ? double.NaN : overhead.LspCompletionMs.P50 - overhead.RawGenerationMs.P50,
            Overhead = overhead,
            Startup = startup,
            StartupTimeline = startupTimeline?.Server,
            StartupTimelineBaseline = startupTimeline?.Baseline,
            StartupTimelineCached = startupTimeline?.Cached,
            Context = context,
            NextEdits = nextEdits,
            TypeThrough = typeThrough,
            Typing = typing,
            KvReuse = kvReuse,
            Throughput = throughput,
            Speculative = speculative,
            Memory = new MemoryFigures(noModel?.PeakMiB, loose?.ModelLoadedPeakMiB, loose?.PeakMiB, solutionPeak),
            Errors = errors,
            TotalSeconds = Clock.MillisecondsSince(started) / 1000,
        };
    }

    /// <summary>The file the server sessions open: in the last project of the chain, which references all the others.</summary>
    private static GeneratedFile StartupFile(IReadOnlyList<GeneratedFile> files, BenchPlan plan) =>
        files.First(f => f.Project == plan.Shape.Projects - 1 && f.Index == plan.Shape.FilesPerProject / 2);

    /// <summary>The machine as the report describes it, with the load average now.</summary>
    private static MachineInfo MachineNow(double? loadAtStart) => new(
        Environment.ProcessorCount, RuntimeInformation.OSDescription, RuntimeInformation.FrameworkDescription, CpuModel(), loadAtStart, LoadAverage());

    private static ModelInfo ModelOf(string description, string? modelPath, string modelDirectory) => new(
        description, modelPath is null ? "(generated in a temporary folder)" : modelDirectory, BenchPlan.PromptBudget, BenchPlan.MaxNewTokens);

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
