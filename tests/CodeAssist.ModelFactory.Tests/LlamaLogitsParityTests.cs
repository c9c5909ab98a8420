namespace CodeAssist.ModelFactory.Tests;

/// <summary>
/// The exported graph must compute Llama exactly (up to float32 rounding), because the training tool exports
/// real weights into it and expects PyTorch's logits. GenAI's logits are compared with
/// <see cref="LlamaReferenceForward"/> for a prompt and then token by token through the key/value cache.
/// </summary>
public sealed class LlamaLogitsParityTests
{
    private const double Tolerance = 1e-4;

    [Fact]
    public void PromptAndCachedStepLogitsMatchTheReferenceForwardPass()
    {
        var tokenizer = ByteLevelBpeTokenizer.Default;
        var shape = DecoderShape.Tiny;
        var weights = DistinctiveWeights(shape, tokenizer.VocabSize);
        using var folder = new TempDirectory();
        ModelFolderWriter.WriteDecoder(folder.Path, shape, weights, tokenizer, "parity");

        using var session = new GenAiSession(folder.Path);
        var tokens = session.Encode("public int Count(string text) => text.Length;").ToList();
        using var generator = session.StartGenerator();
        generator.AppendTokens([.. tokens]);
        var expected = LlamaReferenceForward.Logits(weights, tokens);
        AssertLogitsEqual(expected, ReadLogits(generator, tokenizer.VocabSize), "prompt pass");

        // Fixed next tokens rather than greedy ones, so that the steps cover ordinary and special ids alike.
        int[] nextTokens = [17, tokenizer.TokenId(ByteLevelBpeTokenizer.FimMiddle), 500, 3, tokenizer.VocabSize - 1];
        foreach (var next in nextTokens)
        {
            tokens.Add(next);
            generator.AppendTokens([next]);
            var expectedLast = LlamaReferenceForward.Logits(weights, tokens)[^1];
            AssertLogitsEqual([expectedLast], ReadLogits(generator, tokenizer.VocabSize), $"cached step at position {tokens.Count - 1}");
        }
    }

    /// <summary>
    /// Random weights large enough that attention is far from uniform and with norm weights that are not all
    /// one, so that a wrong mask, rotation or norm shows in the logits instead of hiding under tiny values.
    /// </summary>
    private static DecoderWeights DistinctiveWeights(DecoderShape shape, int vocabSize)
    {
        var random = DecoderWeights.Random(shape, vocabSize, seed: 2024, standardDeviation: 0.15f);
        var tensors = random.Tensors.ToDictionary(
            entry => entry.Key,
            entry => entry.Key.Contains("norm", StringComparison.Ordinal)
                ? [.. entry.Value.Select((_, i) => 1f + 0.5f * MathF.Sin(i * 0.7f))]
                : entry.Value);
        return DecoderWeights.FromTensors(shape, vocabSize, tensors);
    }

    private static float[][] ReadLogits(Microsoft.ML.OnnxRuntimeGenAI.Generator generator, int vocabSize)
    {
        using var logits = generator.GetOutput("logits");
        var shape = logits.Shape();
        Assert.Equal(3, shape.Length);
        Assert.Equal(vocabSize, shape[2]);
        var data = logits.GetData<float>().ToArray();
        return [.. Enumerable.Range(0, (int)shape[1]).Select(position => data[(position * vocabSize)..((position + 1) * vocabSize)])];
    }

    private static void AssertLogitsEqual(double[][] expected, float[][] actual, string pass)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var position = 0; position < expected.Length; position++)
        {
            var worst = expected[position].Select((value, token) => Math.Abs(value - actual[position][token])).Max();
            Assert.True(worst <= Tolerance, $"{pass}: logits at position {position} differ by up to {worst:E2} (tolerance {Tolerance:E0}).");
        }
    }
}
