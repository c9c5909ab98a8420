namespace CodeAssist.ModelFactory;

/// <summary>
/// The dimensions of a Llama-style decoder. Head size is <see cref="Hidden"/> / <see cref="Heads"/>;
/// key/value heads equal attention heads (no grouped-query attention).
/// </summary>
public sealed record DecoderShape(int Layers, int Hidden, int Heads, int Intermediate, int ContextLength)
{
    /// <summary>Small enough to generate in about a millisecond per token: for tests.</summary>
    public static DecoderShape Tiny { get; } = new(Layers: 2, Hidden: 64, Heads: 4, Intermediate: 172, ContextLength: 2048);

    /// <summary>Large enough that attention and matrix products dominate: for benchmarks.</summary>
    public static DecoderShape Realistic { get; } = new(Layers: 4, Hidden: 256, Heads: 8, Intermediate: 688, ContextLength: 4096);

    public int HeadSize => Hidden / Heads;

    /// <summary>Throws when the dimensions cannot form a decoder, naming the offending value.</summary>
    public void Validate()
    {
        if (Layers < 1 || Hidden < 1 || Heads < 1 || Intermediate < 1 || ContextLength < 1)
        {
            throw new ArgumentException($"Every dimension of a decoder must be positive, got {this}.");
        }
        if (Hidden % Heads != 0)
        {
            throw new ArgumentException($"Hidden size {Hidden} must be a multiple of the head count {Heads}, got {this}.");
        }
        if (HeadSize % 2 != 0)
        {
            // Rotary embedding rotates pairs of dimensions (first half against second half).
            throw new ArgumentException($"Head size {HeadSize} must be even for rotary embedding, got {this}.");
        }
    }
}
