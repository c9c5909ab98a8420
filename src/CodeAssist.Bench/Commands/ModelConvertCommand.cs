using System.CommandLine;
using CodeAssist.ModelFactory;
using CodeAssist.ModelFactory.Builder;

namespace CodeAssist.Bench.Commands;

/// <summary>
/// `codeassist-bench model convert SRC DEST [--type llama|qwen2] [--precision int4|fp32] [--block-size N] [--accuracy-level N]
/// [--widen-intermediate N]`: a plain
/// decoder folder (CodeAssist-Tiny, or any the training tool or ModelFactory wrote) rewritten in the shape
/// onnxruntime-genai's model builder gives real models, with the same weights (<see cref="ModelFolderWriter.ConvertToBuilderShaped"/>),
/// so the default model can run the code path real models run and `eval` can compare the two.
/// </summary>
internal static class ModelConvertCommand
{
    public static Command Create()
    {
        var source = new Argument<DirectoryInfo>("source") { Description = "Plain decoder folder to read (model.onnx with inline weights, genai_config.json)" };
        var destination = new Argument<DirectoryInfo>("destination") { Description = "Folder to write the builder-shaped model into" };
        var type = new Option<string>("--type") { Description = "genai_config.json's model type: llama or qwen2", DefaultValueFactory = _ => "llama" };
        type.AcceptOnlyFromAmong("llama", "qwen2");
        var precision = new Option<string>("--precision")
        {
            Description = "int4 (MatMulNBits, the builder's -p int4) or fp32", DefaultValueFactory = _ => "int4",
        };
        precision.AcceptOnlyFromAmong("int4", "fp32");
        var blockSize = new Option<int>("--block-size")
        {
            Description = "int4 block size along K (the builder's int4_block_size: 16, 32, 64, 128 or 256)", DefaultValueFactory = _ => 32,
        };
        var accuracyLevel = new Option<int>("--accuracy-level")
        {
            Description = "MatMulNBits' accuracy_level on the CPU (the builder's int4_accuracy_level): 4 computes in int8 (the builder's default), " +
                "1 in fp32",
            DefaultValueFactory = _ => 4,
        };
        accuracyLevel.AcceptOnlyFromAmong("0", "1", "2", "3", "4");
        var widen = new Option<int?>("--widen-intermediate")
        {
            Description = "Widen each layer's MLP to N units with zero weights: the same outputs, a large model's weight traffic per token " +
                "(for measuring speculative decoding's cost side on real outputs)",
        };
        var command = new Command(
            "convert",
            "Rewrite a plain decoder folder in the model builder's shape (GroupQueryAttention, MatMulNBits, shared KV buffer) with the same weights")
        {
            source, destination, type, precision, blockSize, accuracyLevel, widen,
        };
        command.SetAction(parse =>
        {
            var from = parse.GetValue(source)!;
            var to = parse.GetValue(destination)!;
            try
            {
                if (!from.Exists)
                {
                    throw new ArgumentException($"{from.FullName} does not exist");
                }
                if (parse.GetValue(blockSize) is not (16 or 32 or 64 or 128 or 256))
                {
                    throw new ArgumentException(
                        $"--block-size must be 16, 32, 64, 128 or 256, as the builder's int4_block_size (was {parse.GetValue(blockSize)})");
                }
                var options = new BuilderModelOptions(
                    parse.GetValue(type) == "qwen2" ? BuilderModelType.Qwen2 : BuilderModelType.Llama,
                    parse.GetValue(precision) == "fp32" ? BuilderPrecision.Float32 : BuilderPrecision.Int4,
                    parse.GetValue(blockSize),
                    parse.GetValue(accuracyLevel));
                ModelFolderWriter.ConvertToBuilderShaped(from.FullName, to.FullName, options, parse.GetValue(widen));
                var block = options.Precision == BuilderPrecision.Int4 ? $", block {options.BlockSize}" : "";
                Console.Out.WriteLine($"wrote {to.FullName} ({options.GenAiType}, {parse.GetValue(precision)}{block})");
                return 0;
            }
            catch (Exception e) when (e is ArgumentException or IOException or InvalidDataException or NotSupportedException
                or System.Text.Json.JsonException or KeyNotFoundException)
            {
                Console.Error.WriteLine($"codeassist-bench: {e.Message}");
                return 2;
            }
        });
        return command;
    }
}
