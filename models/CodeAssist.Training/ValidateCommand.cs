using TorchSharp;

namespace CodeAssist.Training;

/// <summary>
/// `codeassist-train validate [--sequences 96]`: the latest checkpoint's validation losses at its window: the training's
/// fixed mixed set (plain text and PSM FIM, every token scored; loss.tsv's column) and SPM FIM scored on the middle only
/// (the server's completion format), which follows completion quality where the mixed set does not.
/// </summary>
internal static class ValidateCommand
{
    public static void Run(TrainingPaths paths, int spmSequences, int? longWindow = null, float[]? ropeThetas = null)
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
            var middles = Trainer.SpmMiddleBatches(new FimSampler(validation, tokenizer, plan.ContextLength, plan.FimRate), plan, spmSequences);
            var spm = Trainer.Evaluate(model, middles, tokenizer.VocabSize);
            Log.Write($"validate: step {state.Step}, window {model.Shape.ContextLength}, rotary base {model.Shape.RopeTheta:F0}: " +
                $"mixed set {mixed:F4}, SPM middles ({spmSequences} sequences of {plan.ContextLength}) {spm:F4}");
            ropeThetas ??= [];
            if (longWindow is { } window)
            {
                // The same weights on SPM middles with prompts as long as the window (the server's longer completion prompts),
                // at each rotary base given: what a window and base cost before any training at them.
                var longMiddles = Trainer.SpmMiddleBatches(new FimSampler(validation, tokenizer, window, plan.FimRate), plan, spmSequences / 4);
                foreach (var theta in ropeThetas)
                {
                    model.UseWindow(window, theta);
                    Log.Write($"validate: step {state.Step}, window {window}, rotary base {theta:F0}: SPM middles " +
                        $"({spmSequences / 4} sequences of {window}) {Trainer.Evaluate(model, longMiddles, tokenizer.VocabSize):F4}");
                }
            }
        }
    }
}
