using TorchSharp;

namespace CodeAssist.Training;

/// <summary>
/// `codeassist-train validate [--sequences 96]`: the latest checkpoint's validation losses at its window: the training's
/// fixed mixed set (plain text and PSM FIM, every token scored; loss.tsv's column) and SPM FIM scored on the middle only
/// (the server's completion format), which follows completion quality where the mixed set does not.
/// </summary>
internal static class ValidateCommand
{
    public static void Run(TrainingPaths paths, int spmSequences)
    {
        LibTorchLoader.PrepareNativeLibraries();
        torch.set_num_threads(1);
        var tokenizer = TokenizerStep.Load(paths);
        var validation = CorpusSplit.Load(paths, CorpusManifest.Read(paths.Manifest), "validation", tokenizer, paths.ValidationTokens);
        var (model, state) = Trainer.LoadCheckpoint(paths);
        using (model)
        {
            var plan = state.Plan;
            var mixed = Trainer.Evaluate(
                model, Trainer.ValidationBatches(new FimSampler(validation, tokenizer, plan.ContextLength, plan.FimRate), plan), tokenizer.VocabSize);
            var sampler = new FimSampler(validation, tokenizer, plan.ContextLength, plan.FimRate);
            var random = new Random(plan.Seed + 78);
            var middles = Enumerable.Range(0, spmSequences).Select(_ => sampler.NextSpmMiddle(random)).ToList();
            var spm = Trainer.Evaluate(model, middles, tokenizer.VocabSize);
            Log.Write($"validate: step {state.Step}, window {model.Shape.ContextLength}, rotary base {model.Shape.RopeTheta:F0}: " +
                $"mixed set {mixed:F4}, SPM middles ({spmSequences} sequences of {plan.ContextLength}) {spm:F4}");
        }
    }
}
