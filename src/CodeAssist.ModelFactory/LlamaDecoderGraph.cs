using CodeAssist.ModelFactory.Onnx;

namespace CodeAssist.ModelFactory;

/// <summary>
/// Builds a Llama decoder from standard ONNX operators only, so that any ONNX Runtime build runs it and the
/// numbers match Hugging Face's LlamaForCausalLM for the same weights (see <see cref="DecoderWeights"/>).
/// The key/value cache grows by concatenation on the sequence axis, which is why GenAI must run it with
/// "past_present_share_buffer": false.
/// </summary>
internal static class LlamaDecoderGraph
{
    public const float RmsNormEpsilon = 1e-5f;

    /// <summary>Large enough that its softmax weight is exactly zero, small enough to stay finite when scaled.</summary>
    private const float MaskedScore = -1e9f;

    /// <summary>The rotary tables' initializers, [context, head size]: read back to keep a model's rotary base when it is converted.</summary>
    public const string CosineTableName = "rotary/cos_table";

    public const string SineTableName = "rotary/sin_table";

    public static OnnxGraphBuilder Build(DecoderWeights weights)
    {
        var shape = weights.Shape;
        if (shape.KeyValueHeadCount != shape.Heads || shape.AttentionBias)
        {
            throw new ArgumentException("The plain-operator graph has one key/value head per query head and no attention biases; " +
                $"{shape} needs the builder-shaped graph (ModelFolderWriter.WriteBuilderShaped).");
        }
        var graph = new OnnxGraphBuilder();
        var signature = new DecoderGraphSignature(shape.Layers, shape.Heads, shape.HeadSize, weights.VocabSize);
        var (inputIds, attentionMask, positionIds) = signature.DeclareInputs(graph);
        foreach (var (name, dimensions) in DecoderWeights.Layout(shape, weights.VocabSize))
        {
            graph.Floats(name, [.. dimensions.Select(dimension => (long)dimension)], weights[name]);
        }

        var constants = new SharedConstants(graph, shape);
        var mask = AttentionMask(graph, inputIds, attentionMask);
        var rotary = RotaryFactors(graph, shape, positionIds);
        var hidden = graph.Node("Gather", "embeddings", [DecoderWeights.EmbedTokensName, inputIds], OnnxAttribute.Int("axis", 0));
        for (var layer = 0; layer < shape.Layers; layer++)
        {
            hidden = DecoderLayer(graph, constants, layer, hidden, mask, rotary);
        }
        var normalized = RmsNorm(graph, constants, "final_norm", hidden, DecoderWeights.FinalNormName);
        graph.Node("MatMul", DecoderIoNames.Logits, [normalized, DecoderWeights.LmHeadName]);
        signature.DeclareOutputs(graph);
        return graph;
    }

    /// <summary>
    /// True where a query may attend to a key: the key is not padding and sits at or before the query. The
    /// query's own cache slot is past length + its index, so this stays causal whatever GenAI puts in
    /// position_ids. Shape [batch, 1, sequence, total sequence], broadcast over heads.
    /// </summary>
    private static string AttentionMask(OnnxGraphBuilder graph, string inputIds, string attentionMask)
    {
        var totalLength = graph.Node("Shape", "mask/total_length", [attentionMask], OnnxAttribute.Int("start", 1), OnnxAttribute.Int("end", 2));
        var newLength = graph.Node("Shape", "mask/new_length", [inputIds], OnnxAttribute.Int("start", 1), OnnxAttribute.Int("end", 2));
        var pastLength = graph.Node("Sub", "mask/past_length", [totalLength, newLength]);
        var zero = graph.ScalarInt64("mask/zero", 0);
        var one = graph.ScalarInt64("mask/one", 1);
        var keySlots = graph.Node("Range", "mask/key_slots", [zero, graph.Node("Squeeze", "mask/total_length_scalar", [totalLength]), one]);
        var newSlots = graph.Node("Range", "mask/new_slots", [zero, graph.Node("Squeeze", "mask/new_length_scalar", [newLength]), one]);
        var querySlots = graph.Node("Add", "mask/query_slots", [newSlots, pastLength]);
        var queryColumn = graph.Node("Reshape", "mask/query_column", [querySlots, graph.Int64s("mask/column_shape", -1, 1)]);
        var causal = graph.Node("LessOrEqual", "mask/causal", [keySlots, queryColumn]);
        var keyRow = graph.Node("Reshape", "mask/attention_mask_row", [attentionMask, graph.Int64s("mask/row_shape", 0, 1, 1, -1)]);
        var notPadding = graph.Node("Cast", "mask/not_padding", [keyRow], OnnxAttribute.Int("to", (long)OnnxElementType.Bool));
        return graph.Node("And", "mask/allowed", [causal, notPadding]);
    }

    private static (string Cosine, string Sine) RotaryFactors(OnnxGraphBuilder graph, DecoderShape shape, string positionIds)
    {
        var (cosine, sine) = RotaryEmbedding.Tables(shape.ContextLength, shape.HeadSize, shape.RopeTheta);
        long[] tableDimensions = [shape.ContextLength, shape.HeadSize];
        var perHead = graph.Int64s("rotary/per_head_shape", 0, 1, -1, shape.HeadSize);
        var cosineRows = graph.Node("Gather", "rotary/cos_rows",
            [graph.Floats(CosineTableName, tableDimensions, cosine), positionIds], OnnxAttribute.Int("axis", 0));
        var sineRows = graph.Node("Gather", "rotary/sin_rows",
            [graph.Floats(SineTableName, tableDimensions, sine), positionIds], OnnxAttribute.Int("axis", 0));
        return (graph.Node("Reshape", "rotary/cos", [cosineRows, perHead]), graph.Node("Reshape", "rotary/sin", [sineRows, perHead]));
    }

    private static string DecoderLayer(
        OnnxGraphBuilder graph, SharedConstants constants, int layer, string hidden, string mask, (string Cosine, string Sine) rotary)
    {
        var prefix = $"layers.{layer}";
        string Weight(string tensor) => DecoderWeights.LayerTensorName(layer, tensor);

        var attentionInput = RmsNorm(graph, constants, $"{prefix}/input_norm", hidden, Weight("input_layernorm"));
        var query = Rotate(graph, $"{prefix}/q", SplitHeads(graph, constants, $"{prefix}/q", attentionInput, Weight("self_attn.q_proj")), rotary);
        var key = Rotate(graph, $"{prefix}/k", SplitHeads(graph, constants, $"{prefix}/k", attentionInput, Weight("self_attn.k_proj")), rotary);
        var value = SplitHeads(graph, constants, $"{prefix}/v", attentionInput, Weight("self_attn.v_proj"));
        var allKeys = graph.Node("Concat", DecoderIoNames.PresentKey(layer), [DecoderIoNames.PastKey(layer), key], OnnxAttribute.Int("axis", 2));
        var allValues = graph.Node("Concat", DecoderIoNames.PresentValue(layer), [DecoderIoNames.PastValue(layer), value], OnnxAttribute.Int("axis", 2));

        var keysTransposed = graph.Node("Transpose", $"{prefix}/k_transposed", [allKeys], OnnxAttribute.Ints("perm", 0, 1, 3, 2));
        var rawScores = graph.Node("MatMul", $"{prefix}/raw_scores", [query, keysTransposed]);
        var scores = graph.Node("Mul", $"{prefix}/scores", [rawScores, constants.ScoreScale]);
        var maskedScores = graph.Node("Where", $"{prefix}/masked_scores", [mask, scores, constants.MaskedScore]);
        var weights = graph.Node("Softmax", $"{prefix}/attention_weights", [maskedScores], OnnxAttribute.Int("axis", -1));
        var context = graph.Node("MatMul", $"{prefix}/context", [weights, allValues]);
        var contextBySequence = graph.Node("Transpose", $"{prefix}/context_by_sequence", [context], OnnxAttribute.Ints("perm", 0, 2, 1, 3));
        var mergedContext = graph.Node("Reshape", $"{prefix}/merged_context", [contextBySequence, constants.MergedHeadsShape]);
        var attentionOutput = graph.Node("MatMul", $"{prefix}/attention_output", [mergedContext, Weight("self_attn.o_proj")]);
        var afterAttention = graph.Node("Add", $"{prefix}/after_attention", [hidden, attentionOutput]);

        var mlpInput = RmsNorm(graph, constants, $"{prefix}/post_attention_norm", afterAttention, Weight("post_attention_layernorm"));
        var gate = graph.Node("MatMul", $"{prefix}/gate", [mlpInput, Weight("mlp.gate_proj")]);
        var up = graph.Node("MatMul", $"{prefix}/up", [mlpInput, Weight("mlp.up_proj")]);
        var gateActivated = graph.Node("Mul", $"{prefix}/gate_silu", [gate, graph.Node("Sigmoid", $"{prefix}/gate_sigmoid", [gate])]);
        var gated = graph.Node("Mul", $"{prefix}/gated", [gateActivated, up]);
        var mlpOutput = graph.Node("MatMul", $"{prefix}/mlp_output", [gated, Weight("mlp.down_proj")]);
        return graph.Node("Add", $"{prefix}/output", [afterAttention, mlpOutput]);
    }

    /// <summary>Projects [batch, sequence, hidden] and regroups it as [batch, heads, sequence, head size].</summary>
    private static string SplitHeads(OnnxGraphBuilder graph, SharedConstants constants, string name, string input, string projection)
    {
        var projected = graph.Node("MatMul", $"{name}/projected", [input, projection]);
        var byHead = graph.Node("Reshape", $"{name}/by_head", [projected, constants.SplitHeadsShape]);
        return graph.Node("Transpose", $"{name}/heads", [byHead], OnnxAttribute.Ints("perm", 0, 2, 1, 3));
    }

    /// <summary>x·cos + rotate_half(x)·sin, where rotate_half(x) = concat(−second half, first half).</summary>
    private static string Rotate(OnnxGraphBuilder graph, string name, string heads, (string Cosine, string Sine) rotary)
    {
        var halves = graph.Node("Split", [$"{name}/first_half", $"{name}/second_half"], [heads], OnnxAttribute.Int("axis", -1));
        var negatedSecond = graph.Node("Neg", $"{name}/negated_second_half", [halves[1]]);
        var rotatedHalf = graph.Node("Concat", $"{name}/rotated_half", [negatedSecond, halves[0]], OnnxAttribute.Int("axis", -1));
        var cosinePart = graph.Node("Mul", $"{name}/cos_part", [heads, rotary.Cosine]);
        var sinePart = graph.Node("Mul", $"{name}/sin_part", [rotatedHalf, rotary.Sine]);
        return graph.Node("Add", $"{name}/rotated", [cosinePart, sinePart]);
    }

    /// <summary>x / sqrt(mean(x²) + eps) · weight over the last axis.</summary>
    private static string RmsNorm(OnnxGraphBuilder graph, SharedConstants constants, string name, string input, string weight)
    {
        var squared = graph.Node("Mul", $"{name}/squared", [input, input]);
        var meanSquare = graph.Node("ReduceMean", $"{name}/mean_square", [squared], OnnxAttribute.Ints("axes", -1), OnnxAttribute.Int("keepdims", 1));
        var root = graph.Node("Sqrt", $"{name}/root", [graph.Node("Add", $"{name}/mean_square_eps", [meanSquare, constants.RmsNormEpsilon])]);
        var normalized = graph.Node("Div", $"{name}/normalized", [input, root]);
        return graph.Node("Mul", $"{name}/scaled", [normalized, weight]);
    }

    /// <summary>Constants every layer uses, stored once.</summary>
    private sealed class SharedConstants(OnnxGraphBuilder graph, DecoderShape shape)
    {
        public string RmsNormEpsilon { get; } = graph.ScalarFloat("rms_norm_epsilon", LlamaDecoderGraph.RmsNormEpsilon);
        public string ScoreScale { get; } = graph.ScalarFloat("attention/score_scale", 1f / MathF.Sqrt(shape.HeadSize));
        public string MaskedScore { get; } = graph.ScalarFloat("attention/masked_score", LlamaDecoderGraph.MaskedScore);
        public string SplitHeadsShape { get; } = graph.Int64s("attention/split_heads_shape", 0, 0, shape.Heads, shape.HeadSize);
        public string MergedHeadsShape { get; } = graph.Int64s("attention/merged_heads_shape", 0, 0, shape.Hidden);
    }
}
