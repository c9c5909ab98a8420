namespace CodeAssist.ModelFactory;

/// <summary>
/// The rotary position tables of the Llama decoder, public so that the training tool rotates by bit-identical angles
/// to the exported graph: one computation for both.
/// </summary>
public static class RotaryEmbedding
{
    /// <summary>Llama's rotary base.</summary>
    public const float Theta = 10000f;

    /// <summary>
    /// The "NTK-aware" base that stretches a window trained with <paramref name="theta"/> by <paramref name="factor"/>:
    /// theta · factor^(d / (d − 2)) (bloc97's scaling, as in Code Llama's and YaRN's discussion), rounded to a whole
    /// number so the exported graph's tables can be matched exactly. The fastest rotations (neighbouring tokens) stay
    /// almost as trained and the slowest stretch by the factor, so a short further training adapts the model.
    /// </summary>
    public static float ExtendedTheta(float theta, int factor, int headSize) =>
        MathF.Round(theta * MathF.Pow(factor, headSize / (float)(headSize - 2)));

    /// <summary>
    /// Cosine and sine of every position's rotation angles, [context length, head size], computed in float32
    /// the way Hugging Face's LlamaRotaryEmbedding does: inverse frequencies 1 / theta^(2i/d) (theta 10,000 unless the model says otherwise), angle =
    /// position × frequency, and the half-size table repeated twice to cover the "rotate_half" layout.
    /// </summary>
    public static (float[] Cosine, float[] Sine) Tables(int contextLength, int headSize, float theta = Theta)
    {
        var half = headSize / 2;
        var inverseFrequencies = new float[half];
        for (var i = 0; i < half; i++)
        {
            inverseFrequencies[i] = 1f / MathF.Pow(theta, 2 * i / (float)headSize);
        }
        var cosine = new float[contextLength * headSize];
        var sine = new float[contextLength * headSize];
        for (var position = 0; position < contextLength; position++)
        {
            for (var column = 0; column < headSize; column++)
            {
                var angle = position * inverseFrequencies[column % half];
                cosine[position * headSize + column] = (float)Math.Cos(angle);
                sine[position * headSize + column] = (float)Math.Sin(angle);
            }
        }
        return (cosine, sine);
    }

    /// <summary>
    /// The whole-number base whose tables are exactly <paramref name="cosine"/> and <paramref name="sine"/> (a plain
    /// graph's rotary initializers), so a conversion to another graph shape keeps the model's positions; throws when
    /// no such base exists.
    /// </summary>
    public static float ThetaOf(float[] cosine, float[] sine, int contextLength, int headSize)
    {
        // Position 1, pair 1: the angle is the inverse frequency theta^(-2/d) itself.
        var angle = Math.Atan2(sine[headSize + 1], cosine[headSize + 1]);
        var theta = (float)Math.Round(Math.Pow(angle, -headSize / 2.0));
        var (expectedCosine, expectedSine) = Tables(contextLength, headSize, theta);
        if (!expectedCosine.AsSpan().SequenceEqual(cosine) || !expectedSine.AsSpan().SequenceEqual(sine))
        {
            throw new ArgumentException(
                $"The rotary tables ({contextLength} × {headSize}) are not those of any whole-number base near {theta}; "
                + "the graph was not written by ModelFactory.");
        }
        return theta;
    }
}
