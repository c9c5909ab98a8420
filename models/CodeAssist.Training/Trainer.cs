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
    double FimRate, int Seed, int EvalEvery, int CheckpointMinutes, int RestartAt = 0, int FimFocusFrom = 0, int LaterRestartAt = 0, int SpmFrom = 0)
{
    public DecoderShape Shape => new(Layers, Hidden, Heads, Intermediate, ContextLength);

    /// <summary>
    /// Linear warm-up, then cosine decay to the final rate at <see cref="RestartAt"/> (or the last step); from
    /// RestartAt on, a second cosine from half the peak down to the final rate (a warm restart), which is how a
    /// finished run is extended without changing a single step of the part already trained.
    /// </summary>
    public double LearningRate(int step)
    {
        if (LaterRestartAt > 0 && step >= LaterRestartAt)
        {
            var laterProgress = Math.Min(1.0, (step - LaterRestartAt) / (double)Math.Max(1, Steps - LaterRestartAt));
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

    /// <summary>What step <paramref name="step"/> samples: from <see cref="SpmFrom"/> on (0: never) SPM, before it as the FIM focus says.</summary>
    public SampleMode Mode(int step) =>
        SpmFrom > 0 && step >= SpmFrom ? SampleMode.Spm : FimFocused(step) ? SampleMode.FimFocused : SampleMode.Mixed;

    /// <summary>
    /// A checkpoint of <paramref name="trained"/> may continue under this plan when the model and batch are the
    /// same and both schedules (learning rate, samples) agree on every step trained so far: how a finished run
    /// is extended with a restart or a new stage where it ended, without changing a single step already trained.
    /// </summary>
    public bool CanContinue(TrainingPlan trained, int step) =>
        Unscheduled == trained.Unscheduled
        && Enumerable.Range(0, step).All(s => LearningRate(s) == trained.LearningRate(s) && Mode(s) == trained.Mode(s));

    private TrainingPlan Unscheduled => this with
    {
        Steps = 0, RestartAt = 0, FimFocusFrom = 0, LaterRestartAt = 0, SpmFrom = 0, EvalEvery = 0, CheckpointMinutes = 0,
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

    public static void Run(TrainingPaths paths, TrainingPlan plan, bool resume, int? stopAfterSteps, int threads)
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
            optimizer.load_state_dict(Path.Combine(paths.CheckpointDirectory, "optimizer.bin"));
            (step, elapsedBefore) = (state.Step, state.ElapsedSeconds);
            Log.Write($"resumed at step {step} of {plan.Steps} after {elapsedBefore / 60:F1} minutes of training");
        }
        else if (File.Exists(paths.LossLog))
        {
            File.Delete(paths.LossLog);
        }
        if (!File.Exists(paths.LossLog))
            File.WriteAllText(paths.LossLog, "step\tminutes\ttokens\tlearning_rate\ttrain_loss\tvalidation_loss\n");

        var trainSampler = new FimSampler(train, tokenizer, plan.ContextLength, plan.FimRate);
        var validationBatches = ValidationBatches(new FimSampler(validation, tokenizer, plan.ContextLength, plan.FimRate), plan);
        var clock = Stopwatch.StartNew();
        var lastCheckpoint = clock.Elapsed;
        var runningLoss = 0.0;
        var runningSteps = 0;
        var lastStep = stopAfterSteps is { } limit ? Math.Min(plan.Steps, step + limit) : plan.Steps;
        var stepsThisRun = 0;
        while (step < lastStep)
        {
            var learningRate = plan.LearningRate(step);
            foreach (var group in optimizer.ParamGroups)
                group.LearningRate = learningRate;
            using (var scope = NewDisposeScope())
            {
                var (inputs, targets) = Batch(trainSampler, new Random(plan.Seed * 1_000_003 + step), plan.BatchSize, plan.ContextLength, plan.Mode(step));
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

            var minutes = (elapsedBefore + clock.Elapsed.TotalSeconds) / 60;
            if (stepsThisRun == 10)
            {
                var tokensPerSecond = stepsThisRun * (double)plan.BatchSize * plan.ContextLength / clock.Elapsed.TotalSeconds;
                Log.Write($"throughput: {tokensPerSecond:F0} tokens/s " +
                    $"({clock.Elapsed.TotalSeconds / stepsThisRun:F2} s per step of {plan.BatchSize}x{plan.ContextLength})");
            }
            if (step % plan.EvalEvery == 0 || step == lastStep)
            {
                var validationLoss = Evaluate(model, validationBatches, tokenizer.VocabSize);
                var trainLoss = runningLoss / Math.Max(1, runningSteps);
                (runningLoss, runningSteps) = (0, 0);
                File.AppendAllText(paths.LossLog, string.Create(CultureInfo.InvariantCulture,
                    $"{step}\t{minutes:F1}\t{(long)step * plan.BatchSize * plan.ContextLength}\t{learningRate:E2}\t{trainLoss:F4}\t{validationLoss:F4}\n"));
                Log.Write($"step {step}/{plan.Steps}: train loss {trainLoss:F3}, validation loss {validationLoss:F3}, lr {learningRate:E2}, {minutes:F1} min");
            }
            if ((clock.Elapsed - lastCheckpoint).TotalMinutes >= plan.CheckpointMinutes || step == lastStep)
            {
                SaveCheckpoint(paths, model, optimizer, new CheckpointState(step, elapsedBefore + clock.Elapsed.TotalSeconds, plan));
                lastCheckpoint = clock.Elapsed;
            }
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

    private static List<(int[] Inputs, int[] Targets)> ValidationBatches(FimSampler sampler, TrainingPlan plan)
    {
        var random = new Random(plan.Seed + 77);
        return [.. Enumerable.Range(0, ValidationSequences).Select(_ => sampler.Next(random))];
    }

    private static double Evaluate(TinyLlama model, List<(int[] Inputs, int[] Targets)> sequences, int vocabSize)
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

    private static (Tensor Inputs, Tensor Targets) Batch(FimSampler sampler, Random random, int batchSize, int length, SampleMode mode)
    {
        var inputs = new long[batchSize * length];
        var targets = new long[batchSize * length];
        for (var b = 0; b < batchSize; b++)
        {
            var (i, t) = sampler.Next(random, mode);
            for (var k = 0; k < length; k++)
            {
                inputs[b * length + k] = i[k];
                targets[b * length + k] = t[k];
            }
        }
        return (tensor(inputs, [batchSize, length]), tensor(targets, [batchSize, length]));
    }
}
