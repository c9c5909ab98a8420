namespace CodeAssist.ModelFactory;

/// <summary>
/// The dimensions of a Llama-style decoder. Head size is <see cref="Hidden"/> / <see cref="Heads"/>.
/// <paramref name="KeyValueHeads"/> below <paramref name="Heads"/> is grouped-query attention (Qwen2.5-Coder 1.5B:
/// 12 query heads share 2 key/value heads); null means one key/value head per query head.
/// <paramref name="AttentionBias"/> adds biases to the query, key and value projections, as Qwen2 has.
/// <paramref name="RopeTheta"/> is the rotary base (Llama's 10,000 unless a model's window was extended by a larger base).
/// </summary>
public sealed record DecoderShape(
    int Layers, int Hidden, int Heads, int Intermediate, int ContextLength, int? KeyValueHeads = null, bool AttentionBias = false,
    float RopeTheta = RotaryEmbedding.Theta)
{
    /// <summary>Small enough to generate in about a millisecond per token: for tests.</summary>
    public static DecoderShape Tiny { get; } = new(Layers: 2, Hidden: 64, Heads: 4, Intermediate: 172, ContextLength: 2048);

    /// <summary>Large enough that attention and matrix products dominate: for benchmarks.</summary>
    public static DecoderShape Realistic { get; } = new(Layers: 4, Hidden: 256, Heads: 8, Intermediate: 688, ContextLength: 4096);

    /// <summary>
    /// A Qwen2-shaped test decoder (grouped-query attention, query/key/value biases) with a hidden size small
    /// enough that a 151,936-row embedding stays near 20 MB.
    /// </summary>
    public static DecoderShape QwenTest { get; } =
        new(Layers: 2, Hidden: 32, Heads: 2, Intermediate: 64, ContextLength: 4096, KeyValueHeads: 1, AttentionBias: true);

    /// <summary>
    /// A DeepSeek-Coder-shaped test decoder (1.3B and 6.7B: one key/value head per query head, no biases, 16,384
    /// positions) with a hidden size small enough that its 32,256-row embedding stays near 4 MB.
    /// </summary>
    public static DecoderShape DeepSeekTest { get; } = new(Layers: 2, Hidden: 32, Heads: 2, Intermediate: 64, ContextLength: 16_384);

    /// <summary><see cref="Realistic"/> with grouped-query attention: the benchmark shape of builder-shaped models.</summary>
    public static DecoderShape RealisticGrouped { get; } = Realistic with { KeyValueHeads = 2 };

    public int HeadSize => Hidden / Heads;

    /// <summary>Key/value heads: <see cref="KeyValueHeads"/>, or <see cref="Heads"/> when not set.</summary>
    public int KeyValueHeadCount => KeyValueHeads ?? Heads;

    /// <summary>Width of the key and value projections: key/value heads × head size.</summary>
    public int KeyValueWidth => KeyValueHeadCount * HeadSize;

    /// <summary>Throws when the dimensions cannot form a decoder, naming the offending value.</summary>
    public void Validate()
    {
        if (Layers < 1 || Hidden < 1 || Heads < 1 || Intermediate < 1 || ContextLength < 1 || !(RopeTheta > 1))
        {
            throw new ArgumentException($"Every dimension of a decoder must be positive, got {this}.");
        }
        if (Hidden % Heads != 0)
        {
            throw new ArgumentException($"Hidden size {Hidden} must be a multiple of the head count {Heads}, got {this}.");
        }
        if (KeyValueHeadCount < 1 || Heads % KeyValueHeadCount != 0)
        {
            throw new ArgumentException($"The {Heads} query heads must be a multiple of the {KeyValueHeadCount} key/value heads, got {this}.");
        }
        if (HeadSize % 2 != 0)
        {
            // Rotary embedding rotates pairs of dimensions (first half against second half).
            throw new ArgumentException($"Head size {HeadSize} must be even for rotary embedding, got {this}.");
        }
    }
}
