using CodeAssist.ModelFactory;
using TorchSharp;
using static TorchSharp.torch;

namespace CodeAssist.Training;

/// <summary>`sample --prompt TEXT`: the checkpoint's greedy continuation, to look at what the model learned.</summary>
internal static class SampleCommand
{
    public static void Run(TrainingPaths paths, string prompt, int maxTokens)
    {
        LibTorchLoader.PrepareNativeLibraries();
        torch.set_num_threads(1);
        var tokenizer = TokenizerStep.Load(paths);
        var (model, _) = Trainer.LoadCheckpoint(paths);
        using (model)
        using (no_grad())
        {
            var ids = tokenizer.Encode(prompt.Replace("\\n", "\n").Replace("\\t", "\t")).ToList();
            var end = tokenizer.TokenId(ByteLevelBpeTokenizer.EndOfText);
            var generated = new List<int>();
            for (var i = 0; i < maxTokens && ids.Count < model.Shape.ContextLength; i++)
            {
                using var scope = NewDisposeScope();
                var logits = model.forward(tensor(ids.Select(id => (long)id).ToArray(), [1, ids.Count]));
                var next = (int)logits[0, -1].argmax().item<long>();
                if (next == end)
                    break;
                ids.Add(next);
                generated.Add(next);
            }
            Console.Out.WriteLine(tokenizer.Decode(generated));
        }
    }
}
