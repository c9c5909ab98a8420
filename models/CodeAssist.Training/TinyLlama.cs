using CodeAssist.ModelFactory;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace CodeAssist.Training;

/// <summary>
/// The Llama decoder in TorchSharp with exactly the math of ModelFactory's LlamaDecoderGraph (see
/// <see cref="DecoderWeights"/>): RMSNorm with eps 1e-5, rotary "rotate_half" from the same float32 tables
/// (theta 10000, or the long-context stage's larger base), causal attention scaled by 1/sqrt(head size), SwiGLU, untied embedding and lm_head, no biases.
/// </summary>
internal sealed class TinyLlama : Module<Tensor, Tensor>
{
    // RegisterComponents names the parameters and buffers after these fields: ComponentName keeps Hugging Face's names
    // (embed_tokens.weight, layers.0.q_proj.weight, ...) in the state dict, so checkpoints written before the fields
    // were renamed still load.
    [ComponentName(Name = "embed_tokens")]
    private readonly Embedding _embedTokens;
    [ComponentName(Name = "layers")]
    private readonly ModuleList<LlamaLayer> _layers;
    [ComponentName(Name = "norm")]
    private readonly RmsNorm _norm;
    [ComponentName(Name = "lm_head")]
    private readonly Linear _lmHead;

    /// <summary>
    /// Not Tensor fields, which RegisterComponents would make buffers: the tables follow the window
    /// (<see cref="UseWindow"/>) and are no part of a checkpoint.
    /// </summary>
    private (Tensor Cosine, Tensor Sine) _rotary;

    public TinyLlama(DecoderShape shape, int vocabSize) : base(nameof(TinyLlama))
    {
        Shape = shape;
        VocabSize = vocabSize;
        _embedTokens = Embedding(vocabSize, shape.Hidden);
        _layers = new ModuleList<LlamaLayer>([.. Enumerable.Range(0, shape.Layers).Select(i => new LlamaLayer(shape))]);
        _norm = new RmsNorm(shape.Hidden);
        _lmHead = Linear(shape.Hidden, vocabSize, hasBias: false);
        _rotary = RotaryTables(shape);
        RegisterComponents();
        Initialize(seed: 1);
    }

    public DecoderShape Shape { get; private set; }

    /// <summary>
    /// Moves the model to another window and rotary base (the long-context stage): only the position tables change, so
    /// the weights trained so far carry over.
    /// </summary>
    public void UseWindow(int contextLength, float ropeTheta)
    {
        if (Shape.ContextLength == contextLength && Shape.RopeTheta == ropeTheta)
            return;
        Shape = Shape with { ContextLength = contextLength, RopeTheta = ropeTheta };
        _rotary.Cosine.Dispose();
        _rotary.Sine.Dispose();
        _rotary = RotaryTables(Shape);
    }

    /// <summary>The exported graph's tables (<see cref="RotaryEmbedding.Tables"/>), so both rotate by bit-identical angles.</summary>
    private static (Tensor Cosine, Tensor Sine) RotaryTables(DecoderShape shape)
    {
        var (cosine, sine) = RotaryEmbedding.Tables(shape.ContextLength, shape.HeadSize, shape.RopeTheta);
        return (tensor(cosine, [shape.ContextLength, shape.HeadSize]), tensor(sine, [shape.ContextLength, shape.HeadSize]));
    }

    public int VocabSize { get; }

    /// <summary>Token ids [batch, sequence] to logits [batch, sequence, vocabulary].</summary>
    public override Tensor forward(Tensor inputIds)
    {
        using var scope = NewDisposeScope();
        var length = inputIds.shape[1];
        var cos = _rotary.Cosine[..(int)length];
        var sin = _rotary.Sine[..(int)length];
        var hidden = _embedTokens.forward(inputIds);
        foreach (var layer in _layers)
            hidden = layer.Forward(hidden, cos, sin);
        return _lmHead.forward(_norm.forward(hidden)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Hugging Face's Llama initialisation (normal 0.02, norms at one), with the residual output projections
    /// scaled down by sqrt(2 × layers) as GPT-2 does, which keeps early training of a deep residual stack stable.
    /// </summary>
    private void Initialize(long seed)
    {
        using var _ = no_grad();
        var generator = new Generator((ulong)seed);
        foreach (var (name, parameter) in named_parameters())
        {
            if (name.EndsWith("norm.weight", StringComparison.Ordinal) || parameter.dim() == 1)
            {
                parameter.fill_(1f);
                continue;
            }
            var std = DecoderWeights.DefaultInitStandardDeviation;
            if (name.Contains("o_proj", StringComparison.Ordinal) || name.Contains("down_proj", StringComparison.Ordinal))
                std /= MathF.Sqrt(2f * Shape.Layers);
            parameter.normal_(0, std, generator);
        }
    }

    /// <summary>
    /// The weights in <see cref="DecoderWeights"/> layout: PyTorch's Linear keeps [out, in], the ONNX graph wants
    /// [in, out], so every projection and lm_head is exported transposed.
    /// </summary>
    public DecoderWeights ExportWeights()
    {
        using var _ = no_grad();
        var tensors = new Dictionary<string, float[]>(StringComparer.Ordinal)
        {
            [DecoderWeights.EmbedTokensName] = Floats(_embedTokens.weight!),
            [DecoderWeights.FinalNormName] = Floats(_norm.weight),
            [DecoderWeights.LmHeadName] = Floats(_lmHead.weight!.t()),
        };
        for (var i = 0; i < Shape.Layers; i++)
        {
            var layer = _layers[i];
            tensors[DecoderWeights.LayerTensorName(i, "input_layernorm")] = Floats(layer.input_layernorm.weight);
            tensors[DecoderWeights.LayerTensorName(i, "post_attention_layernorm")] = Floats(layer.post_attention_layernorm.weight);
            tensors[DecoderWeights.LayerTensorName(i, "self_attn.q_proj")] = Floats(layer.q_proj.weight!.t());
            tensors[DecoderWeights.LayerTensorName(i, "self_attn.k_proj")] = Floats(layer.k_proj.weight!.t());
            tensors[DecoderWeights.LayerTensorName(i, "self_attn.v_proj")] = Floats(layer.v_proj.weight!.t());
            tensors[DecoderWeights.LayerTensorName(i, "self_attn.o_proj")] = Floats(layer.o_proj.weight!.t());
            tensors[DecoderWeights.LayerTensorName(i, "mlp.gate_proj")] = Floats(layer.gate_proj.weight!.t());
            tensors[DecoderWeights.LayerTensorName(i, "mlp.up_proj")] = Floats(layer.up_proj.weight!.t());
            tensors[DecoderWeights.LayerTensorName(i, "mlp.down_proj")] = Floats(layer.down_proj.weight!.t());
        }
        return DecoderWeights.FromTensors(Shape, VocabSize, tensors);
    }

    /// <summary>
    /// Takes weights in <see cref="DecoderWeights"/> layout (an exported model folder's, read back): the inverse of
    /// <see cref="ExportWeights"/>, so a shipped model can be trained further when its checkpoint is gone.
    /// </summary>
    public void ImportWeights(IReadOnlyDictionary<string, float[]> tensors)
    {
        using var _ = no_grad();
        void Set(Tensor target, string name, bool transposed)
        {
            if (!tensors.TryGetValue(name, out var values))
                throw new InvalidDataException($"The model has no '{name}' weights; it is not a {Shape} decoder.");
            var shape = transposed ? new[] { target.shape[1], target.shape[0] } : target.shape;
            var source = tensor(values, shape);
            target.copy_(transposed ? source.t() : source);
        }
        Set(_embedTokens.weight!, DecoderWeights.EmbedTokensName, transposed: false);
        Set(_norm.weight, DecoderWeights.FinalNormName, transposed: false);
        Set(_lmHead.weight!, DecoderWeights.LmHeadName, transposed: true);
        for (var i = 0; i < Shape.Layers; i++)
        {
            var layer = _layers[i];
            Set(layer.input_layernorm.weight, DecoderWeights.LayerTensorName(i, "input_layernorm"), transposed: false);
            Set(layer.post_attention_layernorm.weight, DecoderWeights.LayerTensorName(i, "post_attention_layernorm"), transposed: false);
            Set(layer.q_proj.weight!, DecoderWeights.LayerTensorName(i, "self_attn.q_proj"), transposed: true);
            Set(layer.k_proj.weight!, DecoderWeights.LayerTensorName(i, "self_attn.k_proj"), transposed: true);
            Set(layer.v_proj.weight!, DecoderWeights.LayerTensorName(i, "self_attn.v_proj"), transposed: true);
            Set(layer.o_proj.weight!, DecoderWeights.LayerTensorName(i, "self_attn.o_proj"), transposed: true);
            Set(layer.gate_proj.weight!, DecoderWeights.LayerTensorName(i, "mlp.gate_proj"), transposed: true);
            Set(layer.up_proj.weight!, DecoderWeights.LayerTensorName(i, "mlp.up_proj"), transposed: true);
            Set(layer.down_proj.weight!, DecoderWeights.LayerTensorName(i, "mlp.down_proj"), transposed: true);
        }
    }

    public long ParameterCount() => parameters().Sum(p => p.numel());

    private static float[] Floats(Tensor tensor) => tensor.detach().contiguous().cpu().data<float>().ToArray();
}

internal sealed class LlamaLayer : Module
{
    public readonly RmsNorm input_layernorm;
    public readonly Linear q_proj;
    public readonly Linear k_proj;
    public readonly Linear v_proj;
    public readonly Linear o_proj;
    public readonly RmsNorm post_attention_layernorm;
    public readonly Linear gate_proj;
    public readonly Linear up_proj;
    public readonly Linear down_proj;
    private readonly int _heads;
    private readonly int _headSize;

    public LlamaLayer(DecoderShape shape) : base(nameof(LlamaLayer))
    {
        _heads = shape.Heads;
        _headSize = shape.HeadSize;
        input_layernorm = new RmsNorm(shape.Hidden);
        q_proj = Linear(shape.Hidden, shape.Hidden, hasBias: false);
        k_proj = Linear(shape.Hidden, shape.Hidden, hasBias: false);
        v_proj = Linear(shape.Hidden, shape.Hidden, hasBias: false);
        o_proj = Linear(shape.Hidden, shape.Hidden, hasBias: false);
        post_attention_layernorm = new RmsNorm(shape.Hidden);
        gate_proj = Linear(shape.Hidden, shape.Intermediate, hasBias: false);
        up_proj = Linear(shape.Hidden, shape.Intermediate, hasBias: false);
        down_proj = Linear(shape.Intermediate, shape.Hidden, hasBias: false);
        RegisterComponents();
    }

    public Tensor Forward(Tensor hidden, Tensor cos, Tensor sin)
    {
        var (batch, length) = (hidden.shape[0], hidden.shape[1]);
        var normalized = input_layernorm.forward(hidden);
        var query = Rotate(SplitHeads(q_proj.forward(normalized), batch, length), cos, sin);
        var key = Rotate(SplitHeads(k_proj.forward(normalized), batch, length), cos, sin);
        var value = SplitHeads(v_proj.forward(normalized), batch, length);
        var context = functional.scaled_dot_product_attention(query, key, value, is_casual: true);
        var merged = context.transpose(1, 2).reshape(batch, length, _heads * _headSize);
        var afterAttention = hidden + o_proj.forward(merged);
        var mlpInput = post_attention_layernorm.forward(afterAttention);
        var gated = functional.silu(gate_proj.forward(mlpInput)) * up_proj.forward(mlpInput);
        return afterAttention + down_proj.forward(gated);
    }

    private Tensor SplitHeads(Tensor projected, long batch, long length) =>
        projected.view(batch, length, _heads, _headSize).transpose(1, 2);

    /// <summary>x·cos + rotate_half(x)·sin with rotate_half(x) = concat(−second half, first half).</summary>
    private static Tensor Rotate(Tensor x, Tensor cos, Tensor sin)
    {
        var halves = x.chunk(2, -1);
        var rotated = cat([-halves[1], halves[0]], -1);
        return x * cos + rotated * sin;
    }
}

/// <summary>x / sqrt(mean(x²) + 1e-5) · weight, as the exported graph computes it.</summary>
internal sealed class RmsNorm : Module<Tensor, Tensor>
{
    public readonly Parameter weight;

    public RmsNorm(int size) : base(nameof(RmsNorm))
    {
        weight = new Parameter(ones(size));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) =>
        x / (x.pow(2).mean([-1], keepdim: true) + 1e-5f).sqrt() * weight;
}
