using CodeAssist.ModelFactory.Builder;
using Microsoft.ML.OnnxRuntimeGenAI;

namespace CodeAssist.ModelFactory.Tests;

/// <summary>
/// Builder-shaped folders (GroupQueryAttention with rotary inside, SimplifiedLayerNormalization, MatMulNBits,
/// external data, a shared key/value buffer) must compute the same decoder as the plain reference: float32 up to
/// rounding, int4 up to the quantization of activations that MatMulNBits' accuracy level 4 adds on top of the
/// 4-bit weights the reference reads back (<see cref="Int4BlockQuantization.Dequantize"/>).
/// </summary>
public sealed class BuilderShapedModelTests
{
    /// <summary>GQA (4 query heads over 2 key/value heads) and Qwen2's attention biases, small enough to compare in double precision.</summary>
    private static readonly DecoderShape GroupedShape =
        new(Layers: 2, Hidden: 64, Heads: 4, Intermediate: 128, ContextLength: 1024, KeyValueHeads: 2, AttentionBias: true);

    [Theory]
    [InlineData(BuilderModelType.Qwen2)]
    [InlineData(BuilderModelType.Llama)]
    public void Float32BuilderGraphMatchesTheReferenceForwardPass(BuilderModelType type)
    {
        var shape = type == BuilderModelType.Qwen2 ? GroupedShape : GroupedShape with { AttentionBias = false };
        var weights = DistinctiveWeights(shape);
        AssertMatchesReference(weights, weights, new BuilderModelOptions(type, BuilderPrecision.Float32), tolerance: 1e-3);
    }

    [Theory]
    [InlineData(BuilderModelType.Qwen2, 32)]
    [InlineData(BuilderModelType.Llama, 32)]
    [InlineData(BuilderModelType.Llama, 128)]
    public void Int4BuilderGraphMatchesTheReferenceOnDequantizedWeights(BuilderModelType type, int blockSize)
    {
        var shape = type == BuilderModelType.Qwen2 ? GroupedShape : GroupedShape with { AttentionBias = false };
        // Blocks run along K, so a 128 block needs K of 128 (hidden and intermediate) to be a whole block.
        shape = blockSize == 128 ? shape with { Hidden = 128, Intermediate = 256 } : shape;
        var weights = DistinctiveWeights(shape);
        var options = new BuilderModelOptions(type, BuilderPrecision.Int4, blockSize);
        AssertMatchesReference(weights, Dequantized(weights, blockSize), options, tolerance: 0.05);
    }

    [Fact]
    public void QuantizationPacksLikeMatMulNBits()
    {
        // One column of 32: the largest magnitude (-2) maps to -8, so scale = 0.25 and v -> round(v / 0.25) + 8.
        float[] column = [.. Enumerable.Range(0, 32).Select(i => i == 5 ? -2f : i * 0.0625f - 1f)];
        var quantized = Int4BlockQuantization.Quantize(column, rows: 32, columns: 1, blockSize: 32);
        Assert.Equal([0.25f], quantized.Scales);
        Assert.Equal(16, quantized.Packed.Length);
        // Rows 0 and 1 (-1 and -0.9375) -> 4 and round(4.25) = 4: low nibble row 0, high nibble row 1.
        Assert.Equal((byte)(4 | 4 << 4), quantized.Packed[0]);
        // Row 5 is the extreme: -2 / 0.25 + 8 = 0.
        Assert.Equal(0, quantized.Packed[2] >> 4);
        var restored = quantized.Dequantize();
        Assert.All(column.Zip(restored), pair => Assert.True(Math.Abs(pair.First - pair.Second) <= 0.125f + 1e-6f));
    }

    [Fact]
    public void FolderHasTheBuilderFilesAndSameBytesEveryTime()
    {
        using var first = new TempDirectory();
        using var second = new TempDirectory();
        var options = new BuilderModelOptions(BuilderModelType.Qwen2);
        ModelFolderWriter.WriteRandomBuilderShaped(first.Path, GroupedShape, ByteLevelBpeTokenizer.Default, options, seed: 7);
        ModelFolderWriter.WriteRandomBuilderShaped(second.Path, GroupedShape, ByteLevelBpeTokenizer.Default, options, seed: 7);
        string[] files = ["genai_config.json", "model.onnx", "model.onnx.data", "tokenizer.json", "tokenizer_config.json"];
        Assert.Equal(files, Directory.GetFiles(first.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        foreach (var file in files)
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(first.Path, file)), File.ReadAllBytes(Path.Combine(second.Path, file)));
        }
        // Every initializer lives in the data file: the graph itself is small.
        Assert.True(new FileInfo(Path.Combine(first.Path, "model.onnx")).Length < new FileInfo(Path.Combine(first.Path, "model.onnx.data")).Length / 4);
        var config = File.ReadAllText(Path.Combine(first.Path, "genai_config.json"));
        Assert.Contains("\"past_present_share_buffer\": true", config, StringComparison.Ordinal);
        Assert.Contains("\"type\": \"qwen2\"", config, StringComparison.Ordinal);
        Assert.DoesNotContain("position_ids", config, StringComparison.Ordinal);
    }

    [Fact]
    public void A_plain_folder_converted_to_the_builders_shape_computes_the_same_logits_and_keeps_its_tokenizer_and_settings_and_can_be_shaped_again()
    {
        using var plain = new TempDirectory();
        using var converted = new TempDirectory();
        var shape = GroupedShape with { KeyValueHeads = null, AttentionBias = false };
        var weights = DistinctiveWeights(shape);
        ModelFolderWriter.WriteDecoder(plain.Path, shape, weights, ByteLevelBpeTokenizer.Default, "plain", promptFormat: "codeassist", languages: ["csharp"]);

        var options = new BuilderModelOptions(BuilderModelType.Llama, BuilderPrecision.Float32);
        ModelFolderWriter.ConvertToBuilderShaped(plain.Path, converted.Path, options);

        AssertFolderMatchesReference(converted.Path, weights, options, tolerance: 1e-3);
        foreach (var file in new[] { "tokenizer.json", "tokenizer_config.json", "codeassist.json" })
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(plain.Path, file)), File.ReadAllBytes(Path.Combine(converted.Path, file)));
        }
        var config = File.ReadAllText(Path.Combine(converted.Path, "genai_config.json"));
        Assert.Contains("\"past_present_share_buffer\": true", config, StringComparison.Ordinal);
        Assert.Contains("\"context_length\": 1024", config, StringComparison.Ordinal);

        // An fp32 builder-shaped folder (the shipped model's shape) can be shaped again: same weights, same logits.
        using var again = new TempDirectory();
        ModelFolderWriter.ConvertToBuilderShaped(converted.Path, again.Path, options);
        AssertFolderMatchesReference(again.Path, weights, options, tolerance: 1e-3);
        // An int4 one cannot: its projections are no longer float32.
        using var quantized = new TempDirectory();
        ModelFolderWriter.ConvertToBuilderShaped(plain.Path, quantized.Path, options with { Precision = BuilderPrecision.Int4 });
        var refused = Assert.Throws<ArgumentException>(() => ModelFolderWriter.ConvertToBuilderShaped(quantized.Path, again.Path, options));
        Assert.Contains("fp32", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_folder_converted_with_a_widened_mlp_computes_the_narrow_models_logits()
    {
        using var plain = new TempDirectory();
        using var widened = new TempDirectory();
        var shape = GroupedShape with { KeyValueHeads = null, AttentionBias = false };
        var weights = DistinctiveWeights(shape);
        ModelFolderWriter.WriteDecoder(plain.Path, shape, weights, ByteLevelBpeTokenizer.Default, "plain", promptFormat: "codeassist", languages: ["csharp"]);

        var options = new BuilderModelOptions(BuilderModelType.Llama, BuilderPrecision.Float32);
        ModelFolderWriter.ConvertToBuilderShaped(plain.Path, widened.Path, options, widenIntermediateTo: shape.Intermediate * 5);

        // The narrow weights are the reference: the zero units add nothing to any logit.
        AssertFolderMatchesReference(widened.Path, weights, options, tolerance: 1e-3);
        // ... while the graph carries (and each token reads) the wide MLP's weights: 3 matrices per layer, fp32.
        var mlpBytes = 4L * 3 * shape.Hidden * shape.Intermediate * 5 * shape.Layers;
        Assert.True(new FileInfo(Path.Combine(widened.Path, "model.onnx.data")).Length > mlpBytes);
        Assert.Throws<ArgumentOutOfRangeException>(() => weights.WithIntermediate(shape.Intermediate - 1));
    }

    [Fact]
    public void A_model_with_a_larger_rotary_base_keeps_it_through_the_conversion_and_matches_the_reference_at_every_position()
    {
        using var plain = new TempDirectory();
        using var converted = new TempDirectory();
        var shape = GroupedShape with
        {
            KeyValueHeads = null, AttentionBias = false, RopeTheta = RotaryEmbedding.ExtendedTheta(RotaryEmbedding.Theta, 4, GroupedShape.HeadSize),
        };
        var weights = DistinctiveWeights(shape);
        ModelFolderWriter.WriteDecoder(plain.Path, shape, weights, ByteLevelBpeTokenizer.Default, "long", promptFormat: "codeassist");

        Assert.Equal(shape, ModelFolderWriter.ReadDecoderWeights(plain.Path).Shape);
        var options = new BuilderModelOptions(BuilderModelType.Llama, BuilderPrecision.Float32);
        ModelFolderWriter.ConvertToBuilderShaped(plain.Path, converted.Path, options);

        AssertFolderMatchesReference(converted.Path, weights, options, tolerance: 1e-3);
        Assert.Equal(shape, ModelFolderWriter.ReadDecoderWeights(converted.Path).Shape);
    }

    [Fact]
    public void The_extended_rotary_base_stretches_the_slowest_rotation_by_the_factor_and_reads_back_exactly()
    {
        var theta = RotaryEmbedding.ExtendedTheta(RotaryEmbedding.Theta, 4, 64);

        Assert.Equal(41_829f, theta);
        var (cosine, sine) = RotaryEmbedding.Tables(2048, 64, theta);
        Assert.Equal(theta, RotaryEmbedding.ThetaOf(cosine, sine, 2048, 64));
        var (llamaCosine, llamaSine) = RotaryEmbedding.Tables(2048, 64);
        Assert.Equal(RotaryEmbedding.Theta, RotaryEmbedding.ThetaOf(llamaCosine, llamaSine, 2048, 64));
        sine[64 * 7 + 3] += 1e-3f;
        Assert.Throws<ArgumentException>(() => RotaryEmbedding.ThetaOf(cosine, sine, 2048, 64));
    }

    private static void AssertMatchesReference(DecoderWeights written, DecoderWeights reference, BuilderModelOptions options, double tolerance)
    {
        using var folder = new TempDirectory();
        ModelFolderWriter.WriteBuilderShaped(folder.Path, written, ByteLevelBpeTokenizer.Default, options);
        AssertFolderMatchesReference(folder.Path, reference, options, tolerance);
    }

    private static void AssertFolderMatchesReference(string folder, DecoderWeights reference, BuilderModelOptions options, double tolerance)
    {
        var tokenizer = ByteLevelBpeTokenizer.Default;
        using var session = new GenAiSession(folder);
        var tokens = session.Encode("public int Count(string text) => text.Length;").ToList();
        using var generator = session.StartGenerator();
        generator.AppendTokens([.. tokens]);
        var expected = LlamaReferenceForward.Logits(reference, tokens, options.RmsNormEpsilon);
        AssertLogitsClose(expected[^1], ReadLastLogits(generator, tokenizer.VocabSize), tolerance, "prompt pass");

        int[] nextTokens = [17, tokenizer.TokenId(ByteLevelBpeTokenizer.FimMiddle), 500, 3];
        foreach (var next in nextTokens)
        {
            tokens.Add(next);
            generator.AppendTokens([next]);
            var expectedLast = LlamaReferenceForward.Logits(reference, tokens, options.RmsNormEpsilon)[^1];
            AssertLogitsClose(expectedLast, ReadLastLogits(generator, tokenizer.VocabSize), tolerance, $"cached step at position {tokens.Count - 1}");
        }
    }

    /// <summary>The weights MatMulNBits multiplies by: every projection and lm_head through 4 bits and back.</summary>
    internal static DecoderWeights Dequantized(DecoderWeights weights, int blockSize)
    {
        var layout = DecoderWeights.Layout(weights.Shape, weights.VocabSize).ToDictionary(entry => entry.Name, entry => entry.Dimensions);
        var tensors = weights.Tensors.ToDictionary(
            entry => entry.Key,
            entry =>
            {
                var dimensions = layout[entry.Key];
                var projection = dimensions.Length == 2 && entry.Key != DecoderWeights.EmbedTokensName;
                return projection ? Int4BlockQuantization.Quantize(entry.Value, dimensions[0], dimensions[1], blockSize).Dequantize() : entry.Value;
            });
        return DecoderWeights.FromTensors(weights.Shape, weights.VocabSize, tensors);
    }

    private static DecoderWeights DistinctiveWeights(DecoderShape shape)
    {
        var random = DecoderWeights.Random(shape, ByteLevelBpeTokenizer.Default.VocabSize, seed: 2024, standardDeviation: 0.15f);
        var tensors = random.Tensors.ToDictionary(
            entry => entry.Key,
            entry => entry.Key.Contains("norm", StringComparison.Ordinal)
                ? [.. entry.Value.Select((_, i) => 1f + 0.5f * MathF.Sin(i * 0.7f))]
                : entry.Value);
        return DecoderWeights.FromTensors(shape, random.VocabSize, tensors);
    }

    private static float[] ReadLastLogits(Generator generator, int vocabSize)
    {
        using var logits = generator.GetOutput("logits");
        var shape = logits.Shape();
        Assert.Equal(vocabSize, shape[2]);
        var data = logits.GetData<float>().ToArray();
        return data[^vocabSize..];
    }

    private static void AssertLogitsClose(double[] expected, float[] actual, double tolerance, string pass)
    {
        var worst = expected.Select((value, token) => Math.Abs(value - actual[token])).Max();
        var scale = expected.Max(Math.Abs);
        Assert.True(worst <= tolerance * Math.Max(1, scale),
            $"{pass}: logits differ by up to {worst:E2} (logits up to {scale:F2}, tolerance {tolerance:E0} of that).");
        Assert.Equal(Array.IndexOf(expected, expected.Max()), Array.IndexOf(actual, actual.Max()));
    }
}
