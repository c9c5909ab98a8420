using System.Globalization;
using CodeAssist.ModelFactory;
using CodeAssist.ModelFactory.Builder;
using Microsoft.ML.OnnxRuntimeGenAI;
using TorchSharp;
using static TorchSharp.torch;

namespace CodeAssist.Training;

/// <summary>
/// Writes the latest checkpoint as a GenAI model folder through <see cref="ModelFolderWriter.WriteDecoder"/> (the
/// graph code path ModelFactory's tests check against a reference forward pass), rewrites it in the shape the GenAI
/// model builder gives real models (<see cref="ModelFolderWriter.ConvertToBuilderShaped"/>: GroupQueryAttention over
/// a shared KV buffer, fp32; int4 cost edit similarity, see the model card), then checks that the shipped folder's
/// GenAI logits for a C# sample equal TorchSharp's and that GenAI's tokenizer encodes it to the same ids as ours.
/// </summary>
internal static class Exporter
{
    public const string ModelName = "codeassist-tiny";

    /// <summary>What ships: Llama in the builder's shape, float32 weights (block size unused).</summary>
    private static readonly BuilderModelOptions ShippedShape = new(BuilderModelType.Llama, BuilderPrecision.Float32);

    /// <summary>Float32 through two different kernels over a few layers: differences stay well below this.</summary>
    private const double LogitTolerance = 2e-3;

    private const string ParitySample = """
        using System;
        using System.Collections.Generic;

        public static class Program
        {
            public static void Main(string[] args)
            {
                var names = new List<string> { "a", "b" };
                foreach (var name in names)
                    Console.WriteLine(name);
            }
        }
        """;

    public static void Export(TrainingPaths paths, string output)
    {
        LibTorchLoader.PrepareNativeLibraries();
        torch.set_num_threads(1);
        var tokenizer = TokenizerStep.Load(paths);
        var (model, state) = Trainer.LoadCheckpoint(paths);
        using (model)
        {
            // A checkpoint from the SPM stage on completes in suffix-prefix-middle order: the server's "codeassist" format.
            var promptFormat = state.Plan.Mode(state.Step - 1) is SampleMode.Spm or SampleMode.Long ? "codeassist" : ModelFolderWriter.PromptFormat;
            // From the long stage on it learned the refactorings in the code-only prompt (InstructionWriter): the server must send that.
            var refactoringPrompt = state.Plan.IsLong(state.Step - 1) && state.Plan.InstructionRate > 0 ? "codeOnly" : null;
            // The corpus is C# only (CorpusBuilder): the folder says so, and the server offers the model no other language.
            // Its samples carry context only as repository pseudo-files before the file: the server puts all of it there.
            var plain = Directory.CreateTempSubdirectory("codeassist-export-");
            try
            {
                ModelFolderWriter.WriteDecoder(
                    plain.FullName, model.Shape, model.ExportWeights(), tokenizer, ModelName, promptFormat,
                    languages: ["csharp"], cursorContext: "beforeFile", refactoringPrompt: refactoringPrompt);
                ModelFolderWriter.ConvertToBuilderShaped(plain.FullName, output, ShippedShape);
            }
            finally
            {
                plain.Delete(recursive: true);
            }
            var megabytes = Directory.EnumerateFiles(output).Sum(f => new FileInfo(f).Length) / 1e6;
            Log.Write($"export: step {state.Step} of {state.Plan.Steps} written to {output} ({megabytes:F1} MB)");
            var worst = CheckParity(model, tokenizer, output);
            File.WriteAllText(
                Path.Combine(paths.Root, "parity.txt"),
                string.Create(CultureInfo.InvariantCulture, $"max |logit difference| GenAI vs TorchSharp: {worst:E2}\n"));
        }
    }

    public static double CheckParity(TinyLlama model, ByteLevelBpeTokenizer tokenizer, string folder)
    {
        // The sample repeated to fill most of the window, so every position's rotary angles (a long stage's larger base
        // included) are compared, not just the first few.
        var repeats = Math.Max(1, (model.Shape.ContextLength - 16) / (tokenizer.Encode(ParitySample).Count + 4));
        var prefix = string.Concat(Enumerable.Repeat(ParitySample + "\n", repeats - 1)) + ParitySample[..200];
        var ids = tokenizer.Encode(
            $"{ByteLevelBpeTokenizer.FimPrefix}{prefix}" +
            $"{ByteLevelBpeTokenizer.FimSuffix}{ParitySample[200..]}{ByteLevelBpeTokenizer.FimMiddle}").ToArray();
        using var genAiModel = new Model(folder);
        using var genAiTokenizer = new Tokenizer(genAiModel);
        var genAiIds = genAiTokenizer.Encode(ParitySample)[0].ToArray();
        if (!genAiIds.SequenceEqual(tokenizer.Encode(ParitySample)))
        {
            throw new InvalidOperationException(
                $"GenAI's tokenizer encodes the parity sample differently from ModelFactory's; the tokenizer.json in {folder} " +
                "does not match the training tokenizer.");
        }

        using var parameters = new GeneratorParams(genAiModel);
        parameters.SetSearchOption("max_length", ids.Length + 8);
        using var generator = new Microsoft.ML.OnnxRuntimeGenAI.Generator(genAiModel, parameters);
        generator.AppendTokens(ids);
        using var logits = generator.GetOutput("logits");
        var genAi = logits.GetData<float>().ToArray();

        using var _ = no_grad();
        model.eval();
        var expected = model.forward(tensor(ids.Select(i => (long)i).ToArray(), [1, ids.Length])).contiguous().data<float>().ToArray();
        if (expected.Length != genAi.Length)
            throw new InvalidOperationException($"GenAI returned {genAi.Length} logits for {ids.Length} tokens, TorchSharp {expected.Length}.");
        var worst = expected.Zip(genAi, (a, b) => Math.Abs(a - b)).Max();
        Log.Write($"parity: {ids.Length} tokens, max |logit difference| GenAI vs TorchSharp {worst:E2} (tolerance {LogitTolerance:E0})");
        if (worst > LogitTolerance)
        {
            throw new InvalidOperationException(
                $"The exported model's logits differ from TorchSharp's by up to {worst:E2}; " +
                "the export is wrong (transposed projection, rotary table, norm epsilon?).");
        }
        return worst;
    }
}
