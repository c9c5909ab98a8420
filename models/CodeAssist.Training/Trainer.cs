using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using CodeAssist.ModelFactory;
using TorchSharp;
using static TorchSharp.torch;

namespace CodeAssist.Training;

/// <summary>The hyperparameters of one run; written into every checkpoint so a resumed run cannot drift.</summary>
internal sealed record TrainingPlan(
    int Layers, int Hidden, int Heads, int Intermediate, int ContextLength,
    int VocabSize, int BatchSize, int Steps, int WarmupSteps, double PeakLearningRate, double FinalLearningRate,
    double FimRate, int Seed, int EvalEvery, int CheckpointMinutes, int RestartAt = 0, int FimFocusFrom = 0, int LaterRestartAt = 0, int SpmFrom = 0,
    int LongFrom = 0, int LongContext = 0, int LongBatch = 0, double InstructionRate = 0, double LongPeakLearningRate = 0,
    double SpmRehearsal = 0)
{
    /// <summary>Warm-up steps of the long-context stage's own learning-rate cycle.</summary>
    private const int LongWarmupSteps = 20;

    /// <summary>The model as it starts: <see cref="ContextLength"/> and Llama's rotary base.</summary>
    public DecoderShape Shape => new(Layers, Hidden, Heads, Intermediate, ContextLength);

    /// <summary>The model that step <paramref name="step"/> trains: from <see cref="LongFrom"/> on, the long window and its larger rotary base.</summary>
    public DecoderShape ShapeAt(int step) => IsLong(step)
        ? Shape with
        {
            ContextLength = LongContext,
            RopeTheta = RotaryEmbedding.ExtendedTheta(RotaryEmbedding.Theta, LongContext / ContextLength, Shape.HeadSize),
        }
        : Shape;

    /// <summary>Whether step <paramref name="step"/> is in the long-context stage (<see cref="LongFrom"/>; 0: never).</summary>
    public bool IsLong(int step) => LongFrom > 0 && LongContext > 0 && step >= LongFrom;

    /// <summary>
    /// Whether step <paramref name="step"/> is one of the long stage's SPM rehearsal steps (<see cref="SpmRehearsal"/>: their
    /// share, spread evenly; 0, as in the plans before it, never): a step of the SPM stage (<see cref="BatchSize"/> ×
    /// <see cref="ContextLength"/>, SPM FIM and plain text) trained with the long stage's rotary base, so completions keep
    /// the practice they had while the long steps teach the window and the refactorings.
    /// </summary>
    public bool IsRehearsal(int step)
    {
        if (!IsLong(step) || SpmRehearsal <= 0)
            return false;
        var s = step - LongFrom;
        return Math.Floor((s + 1) * SpmRehearsal) > Math.Floor(s * SpmRehearsal);
    }

    /// <summary>Sequences per step at step <paramref name="step"/>: the long stage trains fewer, longer ones.</summary>
    public int BatchAt(int step) => IsLong(step) && !IsRehearsal(step) ? LongBatch : BatchSize;

    /// <summary>Tokens per sequence at step <paramref name="step"/>: the model's window, but the SPM stage's on a rehearsal step.</summary>
    public int SequenceLengthAt(int step) => IsRehearsal(step) ? ContextLength : ShapeAt(step).ContextLength;

    /// <summary>
    /// Linear warm-up, then cosine decay to the final rate at <see cref="RestartAt"/> (or the last step); from
    /// RestartAt on, a second cosine from half the peak down to the final rate (a warm restart), which is how a
    /// finished run is extended without changing a single step of the part already trained.
    /// </summary>
    public double LearningRate(int step)
    {
        if (IsLong(step))
        {
            // The long stage's own cycle: a short warm-up (its optimizer may start fresh from an imported model) to its peak
            // (LongPeakLearningRate; 0, as in the plans before it, a third of the first peak), then cosine to the final rate at
            // the last step. A peak equal to the final rate is a constant rate after the warm-up, so a run cut short anywhere
            // has trained the schedule it planned.
            var longPeak = LongPeakLearningRate > 0 ? LongPeakLearningRate : PeakLearningRate / 3;
            if (step - LongFrom < LongWarmupSteps)
                return longPeak * (step - LongFrom + 1) / LongWarmupSteps;
            var longProgress = Math.Min(1.0, (step - LongFrom - LongWarmupSteps) / (double)Math.Max(1, Steps - LongFrom - LongWarmupSteps));
            return FinalLearningRate + 0.5 * (longPeak - FinalLearningRate) * (1 + Math.Cos(Math.PI * longProgress));
        }
        if (LaterRestartAt > 0 && step >= LaterRestartAt)
        {
            var laterEnd = LongFrom > 0 ? LongFrom : Steps;
            var laterProgress = Math.Min(1.0, (step - LaterRestartAt) / (double)Math.Max(1, laterEnd - LaterRestartAt));
            return FinalLearningRate + 0.5 * (PeakLearningRate / 2 - FinalLearningRate) * (1 + Math.Cos(Math.PI * laterProgress));
        }
        if (RestartAt > 0 && step >= RestartAt)
        {
            var restartEnd = LaterRestartAt > 0 ? LaterRestartAt : Steps;
            var restartProgress = Math.Min(1.0, (step - RestartAt) / (double)Math.Max(1, restartEnd - RestartAt));
            return FinalLearningRate + 0.5 * (PeakLearningRate / 2 - FinalLearningRate) * (1 + Math.Cos(Math.PI * restartProgress));
        }
        if (step < WarmupSteps)
            return PeakLearningRate * (step + 1) / WarmupSteps;
        var firstPhaseEnd = RestartAt > 0 ? RestartAt : Steps;
        var progress = Math.Min(1.0, (step - WarmupSteps) / (double)Math.Max(1, firstPhaseEnd - WarmupSteps));
        return FinalLearningRate + 0.5 * (PeakLearningRate - FinalLearningRate) * (1 + Math.Cos(Math.PI * progress));
    }

    /// <summary>
    /// From this step on (0: never) samples are FIM-focused: <see cref="FimSampler.FocusedFimRate"/> of them are
    /// FIM, and those are scored on the middle only, so the few middle tokens are not drowned by the prefix and
    /// suffix text the plain samples already teach.
    /// </summary>
    public bool FimFocused(int step) => FimFocusFrom > 0 && step >= FimFocusFrom;

    /// <summary>Tokens trained on before step <paramref name="step"/>.</summary>
    public long TokensBefore(int step)
    {
        var shortSteps = IsLong(step) ? LongFrom : step;
        var tokens = (long)shortSteps * BatchSize * ContextLength;
        for (var s = shortSteps; s < step; s++)
            tokens += (long)BatchAt(s) * SequenceLengthAt(s);
        return tokens;
    }

    /// <summary>What step <paramref name="step"/> samples: from <see cref="SpmFrom"/> on (0: never) SPM, before it as the FIM focus says.</summary>
    public SampleMode Mode(int step) =>
        IsRehearsal(step) ? SampleMode.Spm
        : IsLong(step) ? SampleMode.Long
        : SpmFrom > 0 && step >= SpmFrom ? SampleMode.Spm
        : FimFocused(step) ? SampleMode.FimFocused
        : SampleMode.Mixed;

    /// <summary>
    /// A checkpoint of <paramref name="trained"/> may continue under this plan when the model and batch are the
    /// same and both schedules (learning rate, samples) agree on every step trained so far: how a finished run
    /// is extended with a restart or a new stage where it ended, without changing a single step already trained.
    /// </summary>
    public bool CanContinue(TrainingPlan trained, int step) =>
        Unscheduled == trained.Unscheduled
        && Enumerable.Range(0, step).All(s => LearningRate(s) == trained.LearningRate(s) && Mode(s) == trained.Mode(s)
            && ShapeAt(s) == trained.ShapeAt(s) && BatchAt(s) == trained.BatchAt(s) && SequenceLengthAt(s) == trained.SequenceLengthAt(s)
            && (!IsLong(s) || InstructionRate == trained.InstructionRate && LongPeakLearningRate == trained.LongPeakLearningRate));

    private TrainingPlan Unscheduled => this with
    {
        Steps = 0, RestartAt = 0, FimFocusFrom = 0, LaterRestartAt = 0, SpmFrom = 0, EvalEvery = 0, CheckpointMinutes = 0,
        LongFrom = 0, LongContext = 0, LongBatch = 0, InstructionRate = 0, LongPeakLearningRate = 0, SpmRehearsal = 0,
    };
}

internal sealed record CheckpointState(int Step, double ElapsedSeconds, TrainingPlan Plan);

/// <summary>
/// AdamW on mixed plain and FIM sequences with one torch thread. The sample stream of step N is seeded by N
/// alone, so a run resumed from a checkpoint sees the same data a run without interruption would have.
/// </summary>
internal static class Trainer
{
    private const int ValidationSequences = 24;

    /// <summary>Sequences of the SPM-middles validation set (96 of 512: about 2,500 scored middle tokens).</summary>
    public const int SpmMiddleSequences = 96;

    /// <param name="stopAtUtc">
    /// When set, the run ends after the first step that finishes past this time, with its validation loss and a checkpoint
    /// (a run cut at a deadline, not a plan: it resumes with `--resume`).
    /// </param>
    public static void Run(TrainingPaths paths, TrainingPlan plan, bool resume, int? stopAfterSteps, int threads, DateTime? stopAtUtc = null)
    {
        LibTorchLoader.PrepareNativeLibraries();
        torch.set_num_threads(threads);
        torch.manual_seed(plan.Seed);
        var manifest = CorpusManifest.Read(paths.Manifest);
        var tokenizer = TokenizerStep.Load(paths);
        var train = CorpusSplit.Load(paths, manifest, "train", tokenizer, paths.TrainTokens);
        var validation = CorpusSplit.Load(paths, manifest, "validation", tokenizer, paths.ValidationTokens);

        using var model = new TinyLlama(plan.Shape, tokenizer.VocabSize);
        Log.Write($"model: {plan.Shape}, vocabulary {tokenizer.VocabSize}, {model.ParameterCount() / 1e6:F2} M parameters");
        if (plan.LongFrom > 0)
        {
            Log.Write($"from step {plan.LongFrom}: {plan.ShapeAt(plan.LongFrom)}, batch {plan.LongBatch}, {plan.InstructionRate:P0} instruction samples, " +
                $"{plan.SpmRehearsal:P0} of the steps SPM rehearsal ({plan.BatchSize} x {plan.ContextLength})");
        }
        var optimizer = torch.optim.AdamW(model.parameters(), lr: plan.PeakLearningRate, beta1: 0.9, beta2: 0.95, eps: 1e-8, weight_decay: 0.01);

        var step = 0;
        var elapsedBefore = 0.0;
        Directory.CreateDirectory(paths.CheckpointDirectory);
        var statePath = Path.Combine(paths.CheckpointDirectory, "state.json");
        if (resume && File.Exists(statePath))
        {
            var state = JsonSerializer.Deserialize<CheckpointState>(File.ReadAllText(statePath), Json.Options)!;
            if (!plan.CanContinue(state.Plan, state.Step))
            {
                throw new InvalidOperationException(
                    $"The checkpoint in {paths.CheckpointDirectory} was trained with {state.Plan}, not {plan}; " +
                    "resume with the same options or delete the folder.");
            }
            model.load(Path.Combine(paths.CheckpointDirectory, "model.bin"));
            var optimizerState = Path.Combine(paths.CheckpointDirectory, "optimizer.bin");
            if (File.Exists(optimizerState))
                optimizer.load_state_dict(optimizerState);
            else
                Log.Write("no optimizer state in the checkpoint (an imported model): AdamW starts fresh");
            (step, elapsedBefore) = (state.Step, state.ElapsedSeconds);
            Log.Write($"resumed at step {step} of {plan.Steps} after {elapsedBefore / 60:F1} minutes of training");
        }
        else if (File.Exists(paths.LossLog))
        {
            File.Delete(paths.LossLog);
        }
        const string LossHeader = "step\tminutes\ttokens\tlearning_rate\ttrain_loss\tvalidation_loss\tspm_middles_loss";
        if (!File.Exists(paths.LossLog))
        {
            File.WriteAllText(paths.LossLog, LossHeader + "\n");
        }
        else if (File.ReadLines(paths.LossLog).FirstOrDefault() is { } header && header != LossHeader)
        {
            // A loss.tsv of a run before the SPM-middles column: the header gains it, the old rows stay as they were.
            var lines = File.ReadAllLines(paths.LossLog);
            lines[0] = LossHeader;
            File.WriteAllLines(paths.LossLog, lines);
        }

        var trainSampler = new FimSampler(train, tokenizer, plan.ContextLength, plan.FimRate);
        // The instruction data is needed only by a run that reaches the long stage (a short run, such as the smoke test's
        // four steps, never does, and has no instruction data).
        var longSampler = plan.LongFrom > 0 && plan.LongContext > 0 && plan.LongFrom < plan.Steps
            ? new LongStageSampler(
                new FimSampler(train, tokenizer, plan.LongContext, plan.FimRate),
                InstructionSampler.Load(paths, tokenizer, plan.LongContext),
                plan.InstructionRate)
            : null;
        var validationBatches = ValidationBatches(new FimSampler(validation, tokenizer, plan.ContextLength, plan.FimRate), plan);
        var spmMiddleBatches = SpmMiddleBatches(new FimSampler(validation, tokenizer, plan.ContextLength, plan.FimRate), plan);
        if (step > 0 && step < plan.Steps && plan.ShapeAt(step) != plan.ShapeAt(step - 1))
            LogValidationAcrossStages(model, validationBatches, spmMiddleBatches, plan, step, tokenizer.VocabSize);
        var clock = Stopwatch.StartNew();
        var lastCheckpoint = clock.Elapsed;
        var runningLoss = 0.0;
        var runningSteps = 0;
        var lastStep = stopAfterSteps is { } limit ? Math.Min(plan.Steps, step + limit) : plan.Steps;
        var stepsThisRun = 0;
        while (step < lastStep)
        {
            var shape = plan.ShapeAt(step);
            model.UseWindow(shape.ContextLength, shape.RopeTheta);
            var learningRate = plan.LearningRate(step);
            foreach (var group in optimizer.ParamGroups)
                group.LearningRate = learningRate;
            using (var scope = NewDisposeScope())
            {
                var random = new Random(plan.Seed * 1_000_003 + step);
                Func<Random, (int[] Inputs, int[] Targets)> next = plan.Mode(step) == SampleMode.Long
                    ? longSampler!.Next
                    : r => trainSampler.Next(r, plan.Mode(step));
                var (inputs, targets) = Batch(next, random, plan.BatchAt(step), plan.SequenceLengthAt(step));
                model.train();
                optimizer.zero_grad();
                var logits = model.forward(inputs);
                var loss = nn.functional.cross_entropy(logits.view(-1, tokenizer.VocabSize), targets.view(-1), ignore_index: FimSampler.IgnoredTarget);
                loss.backward();
                nn.utils.clip_grad_norm_(model.parameters(), 1.0);
                optimizer.step();
                runningLoss += loss.item<float>();
                runningSteps++;
            }
            step++;
            stepsThisRun++;
            if (stopAtUtc is { } deadline && DateTime.UtcNow >= deadline && step < lastStep)
            {
                Log.Write($"past {deadline:HH:mm} UTC: the run ends at step {step} of {plan.Steps} (resume with --resume)");
                lastStep = step;
            }

            var minutes = (elapsedBefore + clock.Elapsed.TotalSeconds) / 60;
            if (stepsThisRun == 10)
            {
                var tokensPerSecond = (plan.TokensBefore(step) - plan.TokensBefore(step - stepsThisRun)) / clock.Elapsed.TotalSeconds;
                Log.Write($"throughput: {tokensPerSecond:F0} tokens/s " +
                    $"({clock.Elapsed.TotalSeconds / stepsThisRun:F2} s per step; the last of {plan.BatchAt(step - 1)}x{plan.SequenceLengthAt(step - 1)})");
            }
            if (step % plan.EvalEvery == 0 || step == lastStep)
            {
                var validationLoss = Evaluate(model, validationBatches, tokenizer.VocabSize);
                var spmMiddlesLoss = Evaluate(model, spmMiddleBatches, tokenizer.VocabSize);
                var trainLoss = runningLoss / Math.Max(1, runningSteps);
                (runningLoss, runningSteps) = (0, 0);
                File.AppendAllText(paths.LossLog, string.Create(CultureInfo.InvariantCulture,
                    $"{step}\t{minutes:F1}\t{plan.TokensBefore(step)}\t{learningRate:E2}\t{trainLoss:F4}\t{validationLoss:F4}\t{spmMiddlesLoss:F4}\n"));
                Log.Write($"step {step}/{plan.Steps}: train loss {trainLoss:F3}, validation loss {validationLoss:F3}, " +
                    $"SPM middles {spmMiddlesLoss:F3}, lr {learningRate:E2}, {minutes:F1} min");
            }
            if ((clock.Elapsed - lastCheckpoint).TotalMinutes >= plan.CheckpointMinutes || step == lastStep)
            {
                SaveCheckpoint(paths, model, optimizer, new CheckpointState(step, elapsedBefore + clock.Elapsed.TotalSeconds, plan));
                lastCheckpoint = clock.Elapsed;
            }
        }
    }

    /// <summary>
    /// The validation loss of the weights a new stage starts from, with the window and rotary base they were trained with
    /// and with the stage's: what the new window costs before the first step of it.
    /// </summary>
    private static void LogValidationAcrossStages(
        TinyLlama model, List<(int[] Inputs, int[] Targets)> validationBatches, List<(int[] Inputs, int[] Targets)> spmMiddleBatches,
        TrainingPlan plan, int step, int vocabSize)
    {
        foreach (var shape in new[] { plan.ShapeAt(step - 1), plan.ShapeAt(step) })
        {
            model.UseWindow(shape.ContextLength, shape.RopeTheta);
            var loss = Evaluate(model, validationBatches, vocabSize);
            var spmMiddles = Evaluate(model, spmMiddleBatches, vocabSize);
            Log.Write($"validation loss of the step-{step} weights with window {shape.ContextLength}, rotary base {shape.RopeTheta:F0}: " +
                $"{loss:F4}, SPM middles {spmMiddles:F4}");
        }
    }

    /// <summary>Loads the latest checkpoint's weights for export and evaluation.</summary>
    public static (TinyLlama Model, CheckpointState State) LoadCheckpoint(TrainingPaths paths)
    {
        var statePath = Path.Combine(paths.CheckpointDirectory, "state.json");
        if (!File.Exists(statePath))
            throw new FileNotFoundException($"No checkpoint in {paths.CheckpointDirectory}; run `codeassist-train train` first.");
        var state = JsonSerializer.Deserialize<CheckpointState>(File.ReadAllText(statePath), Json.Options)!;
        var model = new TinyLlama(state.Plan.Shape, state.Plan.VocabSize);
        var shape = state.Plan.ShapeAt(state.Step - 1);
        model.UseWindow(shape.ContextLength, shape.RopeTheta);
        model.load(Path.Combine(paths.CheckpointDirectory, "model.bin"));
        model.eval();
        return (model, state);
    }

    private static void SaveCheckpoint(TrainingPaths paths, TinyLlama model, TorchSharp.Modules.OptimizerHelper optimizer, CheckpointState state)
    {
        // Written beside the old checkpoint and renamed over it, so a run cut off mid-write keeps the previous one.
        var directory = paths.CheckpointDirectory;
        model.save(Path.Combine(directory, "model.bin.partial"));
        optimizer.save_state_dict(Path.Combine(directory, "optimizer.bin.partial"));
        File.WriteAllText(Path.Combine(directory, "state.json.partial"), JsonSerializer.Serialize(state, Json.Options));
        File.Move(Path.Combine(directory, "model.bin.partial"), Path.Combine(directory, "model.bin"), overwrite: true);
        File.Move(Path.Combine(directory, "optimizer.bin.partial"), Path.Combine(directory, "optimizer.bin"), overwrite: true);
        File.Move(Path.Combine(directory, "state.json.partial"), Path.Combine(directory, "state.json"), overwrite: true);
        Log.Write($"checkpoint at step {state.Step} in {directory}");
    }

    public static List<(int[] Inputs, int[] Targets)> ValidationBatches(FimSampler sampler, TrainingPlan plan)
    {
        var random = new Random(plan.Seed + 77);
        return [.. Enumerable.Range(0, ValidationSequences).Select(_ => sampler.Next(random))];
    }

    /// <summary>
    /// SPM FIM sequences of the plan's first window scored on the middle and its end only (<see cref="FimSampler.NextSpmMiddle"/>):
    /// the server's completion format, whose loss follows completion quality where the mixed set's does not. loss.tsv's last
    /// column and `validate` use this same set.
    /// </summary>
    public static List<(int[] Inputs, int[] Targets)> SpmMiddleBatches(FimSampler sampler, TrainingPlan plan, int sequences = SpmMiddleSequences)
    {
        var random = new Random(plan.Seed + 78);
        return [.. Enumerable.Range(0, sequences).Select(_ => sampler.NextSpmMiddle(random))];
    }

    public static double Evaluate(TinyLlama model, List<(int[] Inputs, int[] Targets)> sequences, int vocabSize)
    {
        model.eval();
        using var _ = no_grad();
        double total = 0;
        long count = 0;
        foreach (var chunk in sequences.Chunk(8))
        {
            using var scope = NewDisposeScope();
            var inputs = tensor(chunk.SelectMany(s => s.Inputs).Select(i => (long)i).ToArray(), [chunk.Length, chunk[0].Inputs.Length]);
            var targets = tensor(chunk.SelectMany(s => s.Targets).Select(i => (long)i).ToArray(), [chunk.Length, chunk[0].Targets.Length]);
            var logits = model.forward(inputs);
            var loss = nn.functional.cross_entropy(
                logits.view(-1, vocabSize), targets.view(-1), ignore_index: FimSampler.IgnoredTarget, reduction: nn.Reduction.Sum);
            total += loss.item<float>();
            count += chunk.Sum(s => s.Targets.Count(t => t != FimSampler.IgnoredTarget));
        }
        return total / Math.Max(1, count);
    }

    private static (Tensor Inputs, Tensor Targets) Batch(Func<Random, (int[] Inputs, int[] Targets)> next, Random random, int batchSize, int length)
    {
        var inputs = new long[batchSize * length];
        var targets = new long[batchSize * length];
        for (var b = 0; b < batchSize; b++)
        {
            var (i, t) = next(random);
            for (var k = 0; k < length; k++)
            {
                inputs[b * length + k] = i[k];
                targets[b * length + k] = t[k];
            }
        }
        return (tensor(inputs, [batchSize, length]), tensor(targets, [batchSize, length]));
    }
}
