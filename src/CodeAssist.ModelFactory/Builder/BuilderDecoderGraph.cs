using System.Globalization;
using CodeAssist.ModelFactory.Onnx;

namespace CodeAssist.ModelFactory.Builder;

/// <summary>
/// The decoder graph onnxruntime-genai's model builder (src/python/py/models/builder.py, builders/base.py) writes for
/// qwen2, llama and phi3 on the CPU execution provider: node for node the same operator types, domains,
/// attributes, node names and value names, so that ONNX Runtime runs the same kernels as on a user's model.
/// <list type="bullet">
/// <item>attention mask → ReduceSum − 1 → Cast int32 = seqlens_k; Shape → Gather(1) → Cast int32 = total_sequence_length</item>
/// <item>Gather embedding (float32) → per layer SimplifiedLayerNormalization (first) or SkipSimplifiedLayerNormalization
/// (com.microsoft) → one packed Q/K/V projection (+ packed bias for Qwen2) → GroupQueryAttention (com.microsoft,
/// do_rotary with cos_cache/sin_cache [context, head size / 2], past and present key/value sharing one buffer)
/// → o_proj → SkipSimplifiedLayerNormalization → gate/up projections, x·Sigmoid(x) → down_proj</item>
/// <item>a final SkipSimplifiedLayerNormalization and lm_head producing "logits"</item>
/// </list>
/// At int4 every projection and lm_head is MatMulNBits (bits 4, symmetric, no zero points) as the builder's
/// MatMulNBitsQuantizer leaves it; the embedding stays float32. Position ids are not an input: rotary runs inside
/// GroupQueryAttention from seqlens_k.
/// </summary>
internal sealed class BuilderDecoderGraph
{
    public const string ExternalDataSuffix = ".data";
    private const string Microsoft = "com.microsoft";

    /// <summary>The builder's header: IR 10, opset 21 and com.microsoft 1, producer "onnxruntime-genai".</summary>
    public static OnnxModelHeader Header { get; } = new(10, "onnxruntime-genai", [new OnnxOperatorSet("", 21), new OnnxOperatorSet(Microsoft, 1)]);

    private readonly OnnxGraphBuilder _graph = new();
    private readonly DecoderWeights _weights;
    private readonly DecoderShape _shape;
    private readonly BuilderModelOptions _options;
    private readonly HashSet<string> _constants = new(StringComparer.Ordinal);
    private string _root = "";
    private string _skip = "";
    private bool _firstNorm = true;

    private BuilderDecoderGraph(DecoderWeights weights, BuilderModelOptions options)
    {
        _weights = weights;
        _shape = weights.Shape;
        _options = options;
        _ioType = options.ExecutionProvider == BuilderExecutionProvider.Cuda ? OnnxElementType.Float16 : OnnxElementType.Float;
    }

    /// <summary>The builder's io_dtype: float32 on CPU, float16 on CUDA (weights, activations, cache and logits).</summary>
    private readonly OnnxElementType _ioType;

    private string Weights(string name, long[] dimensions, ReadOnlySpan<float> values) =>
        _graph.Constant(_ioType == OnnxElementType.Float16 ? OnnxTensor.FromHalves(name, dimensions, values) : OnnxTensor.FromFloats(name, dimensions, values));

    public static OnnxGraphBuilder Build(DecoderWeights weights, BuilderModelOptions options) =>
        new BuilderDecoderGraph(weights, options).BuildGraph();

    private OnnxGraphBuilder BuildGraph()
    {
        DeclareInputs();
        var (seqlensK, totalSequenceLength) = AttentionMaskSubgraph();
        Embedding();
        for (var layer = 0; layer < _shape.Layers; layer++)
        {
            var attentionInput = Norm(layer, "input", DecoderWeights.LayerTensorName(layer, "input_layernorm"), last: false);
            Attention(layer, attentionInput, seqlensK, totalSequenceLength);
            var mlpInput = Norm(layer, "post_attention", DecoderWeights.LayerTensorName(layer, "post_attention_layernorm"), last: false);
            Mlp(layer, mlpInput);
        }
        var final = Norm(_shape.Layers, "final_norm", DecoderWeights.FinalNormName, last: true);
        Projection("/lm_head/MatMul", "lm_head.MatMul", final, _weights[DecoderWeights.LmHeadName], _shape.Hidden, _weights.VocabSize,
            output: DecoderIoNames.Logits);
        DeclareOutputs();
        return _graph;
    }

    /// <summary>
    /// The inverse of the graph's naming for float32 weights: a builder-shaped graph's initializers renamed to
    /// <see cref="DecoderWeights"/>' tensors, the packed QKV projection (and its bias) split into Q, K and V. Other
    /// initializers (rotary caches) are left out; an int4 graph has no float32 projections, so they are missing.
    /// </summary>
    public static Dictionary<string, float[]> PlainTensors(
        IReadOnlyDictionary<string, float[]> graphTensors, int layers, int hidden, int heads, int keyValueHeads)
    {
        var keyValueWidth = hidden / heads * keyValueHeads;
        var packedWidth = hidden + 2 * keyValueWidth;
        var plain = new Dictionary<string, float[]>(StringComparer.Ordinal);
        void Take(string graphName, string plainName)
        {
            if (graphTensors.TryGetValue(graphName, out var values))
            {
                plain[plainName] = values;
            }
        }
        Take(DecoderWeights.EmbedTokensName, DecoderWeights.EmbedTokensName);
        Take($"model.layers.{layers}.final_norm_layernorm.weight", DecoderWeights.FinalNormName);
        Take("lm_head.MatMul.weight", DecoderWeights.LmHeadName);
        for (var layer = 0; layer < layers; layer++)
        {
            foreach (var norm in new[] { "input_layernorm", "post_attention_layernorm" })
            {
                Take($"model.layers.{layer}.{norm}.weight", DecoderWeights.LayerTensorName(layer, norm));
            }
            Take($"model.layers.{layer}.attn.o_proj.MatMul.weight", DecoderWeights.LayerTensorName(layer, "self_attn.o_proj"));
            foreach (var projection in new[] { "gate_proj", "up_proj", "down_proj" })
            {
                Take($"model.layers.{layer}.mlp.{projection}.MatMul.weight", DecoderWeights.LayerTensorName(layer, $"mlp.{projection}"));
            }
            if (graphTensors.TryGetValue($"model.layers.{layer}.attn.qkv_proj.MatMul.weight", out var packed))
            {
                var (query, key, value) = (new float[hidden * hidden], new float[hidden * keyValueWidth], new float[hidden * keyValueWidth]);
                for (var row = 0; row < hidden; row++)
                {
                    Array.Copy(packed, row * packedWidth, query, row * hidden, hidden);
                    Array.Copy(packed, row * packedWidth + hidden, key, row * keyValueWidth, keyValueWidth);
                    Array.Copy(packed, row * packedWidth + hidden + keyValueWidth, value, row * keyValueWidth, keyValueWidth);
                }
                plain[DecoderWeights.LayerTensorName(layer, "self_attn.q_proj")] = query;
                plain[DecoderWeights.LayerTensorName(layer, "self_attn.k_proj")] = key;
                plain[DecoderWeights.LayerTensorName(layer, "self_attn.v_proj")] = value;
            }
            if (graphTensors.TryGetValue($"model.layers.{layer}.attn.qkv_proj.Add.bias", out var bias))
            {
                plain[DecoderWeights.LayerBiasName(layer, "self_attn.q_proj")] = bias[..hidden];
                plain[DecoderWeights.LayerBiasName(layer, "self_attn.k_proj")] = bias[hidden..(hidden + keyValueWidth)];
                plain[DecoderWeights.LayerBiasName(layer, "self_attn.v_proj")] = bias[(hidden + keyValueWidth)..];
            }
        }
        return plain;
    }

    private void DeclareInputs()
    {
        _graph.Input(DecoderIoNames.InputIds, OnnxElementType.Int64, DecoderIoNames.BatchDimension, DecoderIoNames.SequenceDimension);
        _graph.Input(DecoderIoNames.AttentionMask, OnnxElementType.Int64, DecoderIoNames.BatchDimension, DecoderIoNames.TotalSequenceDimension);
        for (var layer = 0; layer < _shape.Layers; layer++)
        {
            _graph.Input(DecoderIoNames.PastKey(layer), _ioType, CacheShape(DecoderIoNames.PastSequenceDimension));
            _graph.Input(DecoderIoNames.PastValue(layer), _ioType, CacheShape(DecoderIoNames.PastSequenceDimension));
        }
    }

    private void DeclareOutputs()
    {
        _graph.Output(DecoderIoNames.Logits, _ioType, DecoderIoNames.BatchDimension, DecoderIoNames.SequenceDimension, _weights.VocabSize);
        for (var layer = 0; layer < _shape.Layers; layer++)
        {
            _graph.Output(DecoderIoNames.PresentKey(layer), _ioType, CacheShape(DecoderIoNames.TotalSequenceDimension));
            _graph.Output(DecoderIoNames.PresentValue(layer), _ioType, CacheShape(DecoderIoNames.TotalSequenceDimension));
        }
    }

    private OnnxDimension[] CacheShape(string sequenceDimension) =>
        [DecoderIoNames.BatchDimension, _shape.KeyValueHeadCount, sequenceDimension, _shape.HeadSize];

    /// <summary>GroupQueryAttention's seqlens_k (mask sum − 1 per row, int32) and total_sequence_length (mask width, int32).</summary>
    private (string SeqlensK, string TotalSequenceLength) AttentionMaskSubgraph()
    {
        const string basename = "/model/attn_mask_reformat/attn_mask_subgraph";
        var sum = Node($"{basename}/ReduceSum", "", "ReduceSum", [DecoderIoNames.AttentionMask, Int64s(1)], OnnxAttribute.Int("keepdims", 0));
        var lengths = Node($"{basename}/Sub", "", "Sub", [sum, Int64s(1)]);
        var seqlensK = Node($"{basename}/Sub/Cast", "", "Cast", [lengths], OnnxAttribute.Int("to", (long)OnnxElementType.Int32));
        var maskShape = Node($"{basename}/Shape", "", "Shape", [DecoderIoNames.AttentionMask]);
        var width = Node($"{basename}/Gather", "", "Gather", [maskShape, Int64(1)], OnnxAttribute.Int("axis", 0));
        var total = Node($"{basename}/Gather/Cast", "", "Cast", [width], OnnxAttribute.Int("to", (long)OnnxElementType.Int32));
        return (seqlensK, total);
    }

    private void Embedding()
    {
        Weights(DecoderWeights.EmbedTokensName, [_weights.VocabSize, _shape.Hidden], _weights[DecoderWeights.EmbedTokensName]);
        _root = _skip = Node("/model/embed_tokens/Gather", "", "Gather", [DecoderWeights.EmbedTokensName, DecoderIoNames.InputIds]);
    }

    /// <summary>
    /// The builder's layer norms: the first is SimplifiedLayerNormalization; every later one is
    /// SkipSimplifiedLayerNormalization, which adds the residual (root) and the sublayer's output (skip) and
    /// passes the sum on as output 3, the next residual. The final one has no output 3.
    /// </summary>
    private string Norm(int layer, string location, string weightName, bool last)
    {
        var weight = $"model.layers.{layer}.{location}_layernorm.weight";
        Weights(weight, [_shape.Hidden], _weights[weightName]);
        var output0 = $"/model/layers.{layer}/{location}_layernorm/output_0";
        var epsilon = OnnxAttribute.Float("epsilon", _options.RmsNormEpsilon);
        if (_firstNorm)
        {
            _firstNorm = false;
            _graph.NamedNode($"/model/layers.{layer}/{location}_layernorm/LayerNorm", "", "SimplifiedLayerNormalization", [output0], [_root, weight],
                epsilon, OnnxAttribute.Int("axis", -1), OnnxAttribute.Int("stash_type", 1));
            return output0;
        }
        var output3 = $"/model/layers.{layer}/{location}_layernorm/output_3";
        _graph.NamedNode($"/model/layers.{layer}/{location}_layernorm/SkipLayerNorm", Microsoft, "SkipSimplifiedLayerNormalization",
            last ? [output0] : [output0, "", "", output3], [_root, _skip, weight], epsilon);
        if (!last)
        {
            _root = output3;
        }
        return output0;
    }

    private void Attention(int layer, string input, string seqlensK, string totalSequenceLength)
    {
        string Weight(string name) => DecoderWeights.LayerTensorName(layer, name);
        var (hidden, keyValueWidth) = (_shape.Hidden, _shape.KeyValueWidth);
        var packedWidth = hidden + 2 * keyValueWidth;

        // The builder packs Q, K and V into one MatMul (use_packed_matmul) on every EP but DirectML.
        var packed = new float[hidden * packedWidth];
        var (query, key, value) = (_weights[Weight("self_attn.q_proj")], _weights[Weight("self_attn.k_proj")], _weights[Weight("self_attn.v_proj")]);
        for (var row = 0; row < hidden; row++)
        {
            Array.Copy(query, row * hidden, packed, row * packedWidth, hidden);
            Array.Copy(key, row * keyValueWidth, packed, row * packedWidth + hidden, keyValueWidth);
            Array.Copy(value, row * keyValueWidth, packed, row * packedWidth + hidden + keyValueWidth, keyValueWidth);
        }
        var qkv = Projection($"/model/layers.{layer}/attn/qkv_proj/MatMul", $"model.layers.{layer}.attn.qkv_proj.MatMul", input, packed, hidden, packedWidth);
        if (_shape.AttentionBias)
        {
            var bias = $"model.layers.{layer}.attn.qkv_proj.Add.bias";
            Weights(bias, [packedWidth], [
                .. _weights[DecoderWeights.LayerBiasName(layer, "self_attn.q_proj")],
                .. _weights[DecoderWeights.LayerBiasName(layer, "self_attn.k_proj")],
                .. _weights[DecoderWeights.LayerBiasName(layer, "self_attn.v_proj")]]);
            qkv = Node($"/model/layers.{layer}/attn/qkv_proj/Add", "", "Add", [qkv, bias]);
        }
        if (layer == 0)
        {
            RotaryCaches();
        }
        var attentionName = $"/model/layers.{layer}/attn/GroupQueryAttention";
        var attention = _graph.NamedNode(attentionName, Microsoft, "GroupQueryAttention",
            [$"{attentionName}/output_0", DecoderIoNames.PresentKey(layer), DecoderIoNames.PresentValue(layer)],
            [qkv, "", "", DecoderIoNames.PastKey(layer), DecoderIoNames.PastValue(layer), seqlensK, totalSequenceLength, "cos_cache", "sin_cache", "", ""],
            OnnxAttribute.Int("num_heads", _shape.Heads),
            OnnxAttribute.Int("kv_num_heads", _shape.KeyValueHeadCount),
            OnnxAttribute.Float("scale", 1f / MathF.Sqrt(_shape.HeadSize)),
            OnnxAttribute.Int("local_window_size", _options.LocalWindowSize),
            OnnxAttribute.Float("softcap", 0f),
            OnnxAttribute.Int("do_rotary", 1),
            OnnxAttribute.Int("rotary_interleaved", 0))[0];
        _skip = Projection($"/model/layers.{layer}/attn/o_proj/MatMul", $"model.layers.{layer}.attn.o_proj.MatMul",
            attention, _weights[Weight("self_attn.o_proj")], hidden, hidden);
    }

    /// <summary>cos/sin of every position's angles, [context, head size / 2]: the first half of the rotate_half tables.</summary>
    private void RotaryCaches()
    {
        var (cosine, sine) = RotaryEmbedding.Tables(_shape.ContextLength, _shape.HeadSize, _shape.RopeTheta);
        var half = _shape.HeadSize / 2;
        float[] FirstHalves(float[] table) =>
            [.. Enumerable.Range(0, _shape.ContextLength).SelectMany(position => table.AsSpan(position * _shape.HeadSize, half).ToArray())];
        Weights("cos_cache", [_shape.ContextLength, half], FirstHalves(cosine));
        Weights("sin_cache", [_shape.ContextLength, half], FirstHalves(sine));
    }

    private void Mlp(int layer, string input)
    {
        string Weight(string name) => DecoderWeights.LayerTensorName(layer, name);
        var (hidden, intermediate) = (_shape.Hidden, _shape.Intermediate);
        var gate = Projection($"/model/layers.{layer}/mlp/gate_proj/MatMul", $"model.layers.{layer}.mlp.gate_proj.MatMul",
            input, _weights[Weight("mlp.gate_proj")], hidden, intermediate);
        var up = Projection($"/model/layers.{layer}/mlp/up_proj/MatMul", $"model.layers.{layer}.mlp.up_proj.MatMul",
            input, _weights[Weight("mlp.up_proj")], hidden, intermediate);
        var sigmoid = Node($"/model/layers.{layer}/mlp/act_fn/Sigmoid", "", "Sigmoid", [gate]);
        var activated = Node($"/model/layers.{layer}/mlp/act_fn/Mul", "", "Mul", [gate, sigmoid]);
        var gated = Node($"/model/layers.{layer}/mlp/Mul", "", "Mul", [activated, up]);
        _skip = Projection($"/model/layers.{layer}/mlp/down_proj/MatMul", $"model.layers.{layer}.mlp.down_proj.MatMul",
            gated, _weights[Weight("mlp.down_proj")], intermediate, hidden);
    }

    /// <summary>
    /// input × weight ([rows, columns], stored [in, out]). Float32: MatMul with "{weightPrefix}.weight". Int4:
    /// MatMulNBits named "{name}_Q4" with "{weightPrefix}.weight_Q4" and "_scales", the names MatMulNBitsQuantizer
    /// gives the MatMul it replaces; the output keeps the MatMul's name.
    /// </summary>
    private string Projection(string name, string weightPrefix, string input, float[] weight, int rows, int columns, string? output = null)
    {
        output ??= $"{name}/output_0";
        if (_options.Precision == BuilderPrecision.Float32)
        {
            var floatWeight = $"{weightPrefix}.weight";
            Weights(floatWeight, [rows, columns], weight);
            return _graph.NamedNode(name, "", "MatMul", [output], [input, floatWeight])[0];
        }
        var quantized = Int4BlockQuantization.Quantize(weight, rows, columns, _options.BlockSize);
        var packed = $"{weightPrefix}.weight_Q4";
        var scales = $"{weightPrefix}.weight_scales";
        _graph.Constant(OnnxTensor.FromBytes(packed, [columns, quantized.BlocksPerColumn, _options.BlockSize / 2], quantized.Packed));
        Weights(scales, [quantized.Scales.Length], quantized.Scales);
        // MatMulNBitsQuantizer leaves accuracy_level out when it is 0, the builder's default off the CPU.
        var accuracyLevel = _options.ExecutionProvider == BuilderExecutionProvider.Cpu ? _options.AccuracyLevel : 0;
        OnnxAttribute[] attributes = [
            OnnxAttribute.Int("K", rows),
            OnnxAttribute.Int("N", columns),
            OnnxAttribute.Int("bits", 4),
            OnnxAttribute.Int("block_size", _options.BlockSize),
            .. accuracyLevel != 0 ? [OnnxAttribute.Int("accuracy_level", accuracyLevel)] : Array.Empty<OnnxAttribute>()];
        return _graph.NamedNode($"{name}_Q4", Microsoft, "MatMulNBits", [output], [input, packed, scales], attributes)[0];
    }

    /// <summary>A node whose single output is "{name}/output_0", the builder's naming.</summary>
    private string Node(string name, string domain, string operatorType, string[] inputs, params OnnxAttribute[] attributes) =>
        _graph.NamedNode(name, domain, operatorType, [$"{name}/output_0"], inputs, attributes)[0];

    /// <summary>The builder's shared constants: "/model/constants/INT64/[1]" made by a Constant node on first use.</summary>
    private string Int64s(params long[] values) =>
        Constant($"[{string.Join(", ", values.Select(value => value.ToString(CultureInfo.InvariantCulture)))}]",
            OnnxTensor.FromInt64s("", [values.Length], values));

    private string Int64(long value) =>
        Constant(value.ToString(CultureInfo.InvariantCulture), OnnxTensor.FromInt64s("", [], [value]));

    private string Constant(string literal, OnnxTensor value)
    {
        var name = $"/model/constants/INT64/{literal}";
        if (_constants.Add(name))
        {
            _graph.NamedNode($"/model/constant_nodes/INT64/{literal}", "", "Constant", [name], [], OnnxAttribute.Tensor("value", value with { Name = name }));
        }
        return name;
    }
}
