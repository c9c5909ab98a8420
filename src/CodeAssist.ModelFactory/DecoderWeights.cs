namespace CodeAssist.ModelFactory;

/// <summary>
/// The float tensors of a Llama-style decoder, named as in Hugging Face's <c>LlamaForCausalLM</c> state dict and
/// stored row-major. V is the vocabulary size, H the hidden size, I the intermediate (MLP) size:
/// <list type="bullet">
/// <item><c>model.embed_tokens.weight</c> [V, H]</item>
/// <item>per layer i, prefix <c>model.layers.{i}.</c>: <c>input_layernorm.weight</c> [H];
/// <c>self_attn.q_proj.weight</c>, <c>self_attn.o_proj.weight</c> [H, H]; <c>self_attn.k_proj.weight</c>,
/// <c>self_attn.v_proj.weight</c> [H, KV] (KV = key/value heads × head size); with attention biases
/// <c>self_attn.q_proj.bias</c> [H], <c>self_attn.k_proj.bias</c> and <c>self_attn.v_proj.bias</c> [KV];
/// <c>post_attention_layernorm.weight</c> [H];
/// <c>mlp.gate_proj.weight</c>, <c>mlp.up_proj.weight</c> [H, I]; <c>mlp.down_proj.weight</c> [I, H]</item>
/// <item><c>model.norm.weight</c> [H]</item>
/// <item><c>lm_head.weight</c> [H, V]</item>
/// </list>
/// Unlike PyTorch's <c>nn.Linear.weight</c> ([out, in]), every projection and <c>lm_head</c> is stored as
/// [in, out], i.e. transposed, so that the ONNX graph multiplies activations by it directly: export
/// <c>linear.weight.T</c>. The model computes, per layer, x += o_proj(attention(rope(q_proj(n)), rope(k_proj(n)),
/// v_proj(n))) with n = RMSNorm(x), then x += down_proj(silu(gate_proj(n)) * up_proj(n)) with
/// n = RMSNorm(x); RMSNorm(x) = x / sqrt(mean(x²) + 1e-5) * weight; rotary embedding uses the
/// "rotate_half" convention with theta 10000; attention scores are scaled by 1/sqrt(head size).
/// </summary>
public sealed class DecoderWeights
{
    public const string EmbedTokensName = "model.embed_tokens.weight";
    public const string FinalNormName = "model.norm.weight";
    public const string LmHeadName = "lm_head.weight";

    /// <summary>The standard deviation Hugging Face's Llama uses to initialise linear and embedding weights.</summary>
    public const float DefaultInitStandardDeviation = 0.02f;

    private readonly Dictionary<string, float[]> _tensors;

    private DecoderWeights(DecoderShape shape, int vocabSize, Dictionary<string, float[]> tensors)
    {
        Shape = shape;
        VocabSize = vocabSize;
        _tensors = tensors;
    }

    public DecoderShape Shape { get; }

    public int VocabSize { get; }

    /// <summary>Every tensor by name; <see cref="Layout"/> gives their order and dimensions.</summary>
    public IReadOnlyDictionary<string, float[]> Tensors => _tensors;

    public float[] this[string name] => _tensors.TryGetValue(name, out var tensor)
        ? tensor
        : throw new KeyNotFoundException($"The decoder has no tensor named '{name}'; see DecoderWeights.Layout for the names.");

    public static string LayerTensorName(int layer, string tensor) => $"model.layers.{layer}.{tensor}.weight";

    /// <summary>The bias of a projection (Qwen2's q_proj, k_proj, v_proj), present when the shape has attention biases.</summary>
    public static string LayerBiasName(int layer, string tensor) => $"model.layers.{layer}.{tensor}.bias";

    /// <summary>Every tensor's name and dimensions for a shape and vocabulary, in a fixed order.</summary>
    public static IReadOnlyList<(string Name, int[] Dimensions)> Layout(DecoderShape shape, int vocabSize)
    {
        var (hidden, intermediate) = (shape.Hidden, shape.Intermediate);
        var layout = new List<(string, int[])> { (EmbedTokensName, [vocabSize, hidden]) };
        for (var layer = 0; layer < shape.Layers; layer++)
        {
            layout.Add((LayerTensorName(layer, "input_layernorm"), [hidden]));
            layout.Add((LayerTensorName(layer, "self_attn.q_proj"), [hidden, hidden]));
            layout.Add((LayerTensorName(layer, "self_attn.k_proj"), [hidden, shape.KeyValueWidth]));
            layout.Add((LayerTensorName(layer, "self_attn.v_proj"), [hidden, shape.KeyValueWidth]));
            if (shape.AttentionBias)
            {
                layout.Add((LayerBiasName(layer, "self_attn.q_proj"), [hidden]));
                layout.Add((LayerBiasName(layer, "self_attn.k_proj"), [shape.KeyValueWidth]));
                layout.Add((LayerBiasName(layer, "self_attn.v_proj"), [shape.KeyValueWidth]));
            }
            layout.Add((LayerTensorName(layer, "self_attn.o_proj"), [hidden, hidden]));
            layout.Add((LayerTensorName(layer, "post_attention_layernorm"), [hidden]));
            layout.Add((LayerTensorName(layer, "mlp.gate_proj"), [hidden, intermediate]));
            layout.Add((LayerTensorName(layer, "mlp.up_proj"), [hidden, intermediate]));
            layout.Add((LayerTensorName(layer, "mlp.down_proj"), [intermediate, hidden]));
        }
        layout.Add((FinalNormName, [hidden]));
        layout.Add((LmHeadName, [hidden, vocabSize]));
        return layout;
    }

    /// <summary>
    /// Seeded initial weights: normal(0, <paramref name="standardDeviation"/>) for matrices and ones for norm
    /// weights, as Hugging Face initialises a fresh Llama. The same arguments always give the same values.
    /// </summary>
    public static DecoderWeights Random(DecoderShape shape, int vocabSize, int seed, float standardDeviation = DefaultInitStandardDeviation)
    {
        shape.Validate();
        var sampler = new SeededNormalSampler(unchecked((ulong)seed));
        var tensors = new Dictionary<string, float[]>();
        foreach (var (name, dimensions) in Layout(shape, vocabSize))
        {
            var values = new float[ElementCount(dimensions)];
            if (name.EndsWith(".bias", StringComparison.Ordinal))
            {
                for (var i = 0; i < values.Length; i++)
                {
                    values[i] = sampler.Next(standardDeviation);
                }
            }
            else if (dimensions.Length == 1)
            {
                Array.Fill(values, 1f);
            }
            else
            {
                for (var i = 0; i < values.Length; i++)
                {
                    values[i] = sampler.Next(standardDeviation);
                }
            }
            tensors.Add(name, values);
        }
        return new DecoderWeights(shape, vocabSize, tensors);
    }

    /// <summary>
    /// Wraps existing tensors, e.g. trained weights to export. Every name of <see cref="Layout"/> must be present
    /// with exactly its element count, and no other name; the arrays are used as they are, not copied.
    /// </summary>
    public static DecoderWeights FromTensors(DecoderShape shape, int vocabSize, IReadOnlyDictionary<string, float[]> tensors)
    {
        shape.Validate();
        var layout = Layout(shape, vocabSize);
        var ordered = new Dictionary<string, float[]>();
        foreach (var (name, dimensions) in layout)
        {
            if (!tensors.TryGetValue(name, out var values))
            {
                throw new ArgumentException($"Tensor '{name}' is missing; a decoder of {shape} with vocabulary {vocabSize} needs all of: " +
                    $"{string.Join(", ", layout.Select(entry => entry.Name))}.");
            }
            if (values.Length != ElementCount(dimensions))
            {
                throw new ArgumentException(
                    $"Tensor '{name}' has {values.Length} values but [{string.Join(", ", dimensions)}] needs {ElementCount(dimensions)}; " +
                    "projections are stored [in, out].");
            }
            ordered.Add(name, values);
        }
        var unexpected = tensors.Keys.Where(name => !ordered.ContainsKey(name)).Order(StringComparer.Ordinal).ToList();
        if (unexpected.Count > 0)
        {
            throw new ArgumentException($"Unexpected tensors for a decoder of {shape}: {string.Join(", ", unexpected)}.");
        }
        return new DecoderWeights(shape, vocabSize, ordered);
    }

    /// <summary>
    /// The same function with a wider MLP: each layer's gate and up projections gain zero columns and its down
    /// projection zero rows up to <paramref name="intermediate"/>, so the extra units compute silu(0) × 0 = 0 and add
    /// nothing. A model with a trained model's outputs and a large model's weight traffic per token: the cost side of
    /// speculative decoding measured on real outputs, where no large trained model is at hand.
    /// </summary>
    public DecoderWeights WithIntermediate(int intermediate)
    {
        if (intermediate < Shape.Intermediate)
        {
            throw new ArgumentOutOfRangeException(
                nameof(intermediate), intermediate, $"The MLP can only be widened: it has {Shape.Intermediate} units already.");
        }
        var (hidden, from) = (Shape.Hidden, Shape.Intermediate);
        var shape = Shape with { Intermediate = intermediate };
        var widened = new Dictionary<string, float[]>(_tensors);
        for (var layer = 0; layer < Shape.Layers; layer++)
        {
            foreach (var projection in new[] { "mlp.gate_proj", "mlp.up_proj" })
            {
                var name = LayerTensorName(layer, projection);
                var wide = new float[checked(hidden * intermediate)];
                for (var row = 0; row < hidden; row++)
                {
                    Array.Copy(_tensors[name], row * from, wide, row * intermediate, from);
                }
                widened[name] = wide;
            }
            var down = LayerTensorName(layer, "mlp.down_proj");
            var tall = new float[checked(intermediate * hidden)];
            Array.Copy(_tensors[down], tall, from * hidden);
            widened[down] = tall;
        }
        return new DecoderWeights(shape, VocabSize, widened);
    }

    private static int ElementCount(int[] dimensions) => dimensions.Aggregate(1, (product, dimension) => checked(product * dimension));
}
