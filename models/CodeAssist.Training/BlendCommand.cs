using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace CodeAssist.Training;

/// <summary>
/// `codeassist-train blend --with DIR --weight W --into DIR`: the latest checkpoint's weights interpolated with another
/// checkpoint's of the same shape (W · latest + (1 − W) · other), written as a checkpoint of the latest's step and plan
/// without optimizer state, for `export --work`. Interpolating a fine-tuned model with the one it started from keeps much
/// of what the start did well and part of what the fine-tuning taught (Wortsman et al. 2022, "Robust fine-tuning of
/// zero-shot models", WiSE-FT): the long stage's weights with step 4800's, whose completions the stage costs.
/// </summary>
internal static class BlendCommand
{
    public static void Run(TrainingPaths paths, string otherCheckpoint, double weight, string into)
    {
        LibTorchLoader.PrepareNativeLibraries();
        torch.set_num_threads(1);
        var (model, state) = Trainer.LoadCheckpoint(paths);
        using (model)
        using (var other = new TinyLlama(state.Plan.Shape, state.Plan.VocabSize))
        {
            other.load(Path.Combine(otherCheckpoint, "model.bin"));
            using (no_grad())
            {
                foreach (var (mine, theirs) in model.parameters().Zip(other.parameters()))
                    mine.mul_(weight).add_(theirs, alpha: 1 - weight);
            }
            Directory.CreateDirectory(into);
            model.save(Path.Combine(into, "model.bin"));
            File.Delete(Path.Combine(into, "optimizer.bin"));
            File.Copy(Path.Combine(paths.CheckpointDirectory, "state.json"), Path.Combine(into, "state.json"), overwrite: true);
            Log.Write(string.Create(CultureInfo.InvariantCulture,
                $"blend: {weight:F2} x step {state.Step} + {1 - weight:F2} x {otherCheckpoint}, written to {into} (no optimizer state)"));
        }
    }
}
