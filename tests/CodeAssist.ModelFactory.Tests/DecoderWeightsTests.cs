namespace CodeAssist.ModelFactory.Tests;

public sealed class DecoderWeightsTests
{
    [Fact]
    public void RandomWeightsFollowTheHuggingFaceLayoutWithProjectionsStoredInputFirst()
    {
        var shape = DecoderShape.Tiny;
        var weights = DecoderWeights.Random(shape, vocabSize: 300, seed: 3);

        Assert.Equal(300 * shape.Hidden, weights[DecoderWeights.EmbedTokensName].Length);
        Assert.Equal(shape.Hidden * 300, weights[DecoderWeights.LmHeadName].Length);
        Assert.Equal(shape.Hidden * shape.Intermediate, weights[DecoderWeights.LayerTensorName(1, "mlp.gate_proj")].Length);
        Assert.Equal(
            [shape.Intermediate, shape.Hidden],
            DecoderWeights.Layout(shape, 300).Single(entry => entry.Name == "model.layers.0.mlp.down_proj.weight").Dimensions);
        Assert.Equal(3 + 9 * shape.Layers, weights.Tensors.Count);
    }

    [Fact]
    public void RandomWeightsAreSeededSmallNormalValuesAndNormWeightsStartAtOne()
    {
        var first = DecoderWeights.Random(DecoderShape.Tiny, vocabSize: 300, seed: 3);
        var second = DecoderWeights.Random(DecoderShape.Tiny, vocabSize: 300, seed: 3);
        var other = DecoderWeights.Random(DecoderShape.Tiny, vocabSize: 300, seed: 4);

        var embeddings = first[DecoderWeights.EmbedTokensName];
        Assert.Equal(embeddings, second[DecoderWeights.EmbedTokensName]);
        Assert.NotEqual(embeddings, other[DecoderWeights.EmbedTokensName]);
        var mean = embeddings.Average();
        var standardDeviation = Math.Sqrt(embeddings.Average(value => (value - mean) * (value - mean)));
        Assert.InRange(mean, -0.001, 0.001);
        Assert.InRange(standardDeviation, 0.019, 0.021);
        Assert.All(first[DecoderWeights.FinalNormName], value => Assert.Equal(1f, value));
    }

    [Fact]
    public void FromTensorsNamesWhatIsMissingOrMisshapen()
    {
        var shape = DecoderShape.Tiny;
        var tensors = DecoderWeights.Random(shape, vocabSize: 300, seed: 3).Tensors.ToDictionary();
        tensors.Remove(DecoderWeights.FinalNormName);
        var missing = Assert.Throws<ArgumentException>(() => DecoderWeights.FromTensors(shape, 300, tensors));
        Assert.Contains(DecoderWeights.FinalNormName, missing.Message);

        tensors[DecoderWeights.FinalNormName] = new float[shape.Hidden + 1];
        var misshapen = Assert.Throws<ArgumentException>(() => DecoderWeights.FromTensors(shape, 300, tensors));
        Assert.Contains(DecoderWeights.FinalNormName, misshapen.Message);
    }
}
