using System.Text.Json;
using CodeAssist.ModelFactory;
using TorchSharp;

namespace CodeAssist.Training;

/// <summary>
/// `codeassist-train import --from FOLDER --step N`: a checkpoint at step N made from a model folder's weights (plain or
/// fp32 builder-shaped, such as the shipped models/codeassist-tiny) and tokenizer, for when the run's own checkpoint is
/// gone and only the exported model is left. The weights are exactly the trained ones (export writes them as float32); the
/// optimizer's moments are not in a model folder, so the next stage starts with a fresh optimizer (its warm-up is for that).
/// </summary>
internal static class ImportCommand
{
    public static void Run(TrainingPaths paths, TrainingPlan plan, string folder, int step)
    {
        LibTorchLoader.PrepareNativeLibraries();
        torch.set_num_threads(1);
        var weights = ModelFolderWriter.ReadDecoderWeights(folder);
        // The plan the model was trained with: the stages before `step`, none after.
        var trained = plan with { Steps = step, LongFrom = 0, LongContext = 0, LongBatch = 0, InstructionRate = 0 };
        if (weights.Shape with { RopeTheta = RotaryEmbedding.Theta } != trained.Shape || weights.Shape.RopeTheta != trained.ShapeAt(step - 1).RopeTheta)
        {
            throw new InvalidOperationException(
                $"{folder} holds a {weights.Shape} decoder; the plan at step {step} trains {trained.ShapeAt(step - 1)}. "
                + "Import with the options it was trained with.");
        }
        var tokenizer = TokenizerStep.Import(paths, folder);
        if (tokenizer.VocabSize != weights.VocabSize)
            throw new InvalidOperationException($"{folder}: the tokenizer has {tokenizer.VocabSize} ids but the model {weights.VocabSize} rows.");
        using var model = new TinyLlama(trained.Shape, weights.VocabSize);
        model.ImportWeights(weights.Tensors);
        Directory.CreateDirectory(paths.CheckpointDirectory);
        model.save(Path.Combine(paths.CheckpointDirectory, "model.bin"));
        File.Delete(Path.Combine(paths.CheckpointDirectory, "optimizer.bin"));
        File.WriteAllText(
            Path.Combine(paths.CheckpointDirectory, "state.json"),
            JsonSerializer.Serialize(new CheckpointState(step, 0, trained), Json.Options));
        Log.Write($"import: {folder} ({weights.Shape}) written as the checkpoint of step {step} in {paths.CheckpointDirectory}, without optimizer state");
    }
}
