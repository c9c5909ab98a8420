namespace CodeAssist.ModelFactory;

/// <summary>
/// The rotary position tables of the Llama decoder, public so that the training tool rotates by bit-identical angles
/// to the exported graph: one computation for both.
/// </summary>
public static class RotaryEmbedding
{
    public const float Theta = 10000f;

    /// <summary>
    /// Cosine and sine of every position's rotation angles, [context length, head size], computed in float32
    /// the way Hugging Face's LlamaRotaryEmbedding does: inverse frequencies 1 / theta^(2i/d), angle =
    /// position × frequency, and the half-size table repeated twice to cover the "rotate_half" layout.
    /// </summary>
    public static (float[] Cosine, float[] Sine) Tables(int contextLength, int headSize)
    {
        var half = headSize / 2;
        var inverseFrequencies = new float[half];
        for (var i = 0; i < half; i++)
        {
            inverseFrequencies[i] = 1f / MathF.Pow(Theta, 2 * i / (float)headSize);
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
}
