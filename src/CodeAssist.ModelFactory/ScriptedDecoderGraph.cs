using CodeAssist.ModelFactory.Onnx;

namespace CodeAssist.ModelFactory;

/// <summary>
/// Builds a one-layer decoder whose greedy continuation after the last &lt;|fim_middle|&gt; or &lt;|assistant|&gt;
/// is a fixed token sequence, then &lt;|endoftext|&gt;; without such a marker it answers &lt;|endoftext|&gt;
/// at once. It lets end-to-end tests assert exact completions through the real GenAI runtime.
/// </summary>
/// <remarks>
/// The graph remembers where the marker was in its key/value cache (one head of size one): a token writes
/// position + 1 into its cache slot if it is a marker and 0 otherwise, so the largest cached value locates the
/// latest marker. Because that memory lives in the cache, GenAI's RewindTo forgets a marker exactly when it
/// rewinds past it. The token at position p after the marker at m selects row p − m of a logits table whose row
/// k favours script token k and whose last row favours &lt;|endoftext|&gt;. The marker's own logits choose
/// script token 0, so a prompt must end with the marker: text after it would skip script tokens.
/// </remarks>
internal static class ScriptedDecoderGraph
{
    /// <summary>The logit of the chosen token; every other logit is zero.</summary>
    private const float ChosenLogit = 10f;

    /// <summary>Holds one number per token, the marker memory; genai_config.json must describe this cache.</summary>
    public const int Layers = 1, Heads = 1, HeadSize = 1;

    /// <summary>Scripted models have no learned context limit; this is the room GenAI gets for prompts.</summary>
    public const int ContextLength = 8192;

    public static OnnxGraphBuilder Build(IReadOnlyList<int> scriptIds, ByteLevelBpeTokenizer tokenizer)
    {
        var graph = new OnnxGraphBuilder();
        var signature = new DecoderGraphSignature(Layers, Heads, HeadSize, tokenizer.VocabSize);
        // attention_mask is declared but not read: GenAI feeds every input genai_config.json names, and padding
        // needs no masking here because a padding slot holds 0, like any token that is not a marker.
        var (inputIds, _, positionIds) = signature.DeclareInputs(graph);

        var isFimMiddle = graph.Node("Equal", "marker/is_fim_middle",
            [inputIds, graph.ScalarInt64("marker/fim_middle_id", tokenizer.TokenId(ByteLevelBpeTokenizer.FimMiddle))]);
        var isAssistant = graph.Node("Equal", "marker/is_assistant",
            [inputIds, graph.ScalarInt64("marker/assistant_id", tokenizer.TokenId(ByteLevelBpeTokenizer.Assistant))]);
        var isMarker = graph.Node("Or", "marker/is_marker", [isFimMiddle, isAssistant]);
        var positions = graph.Node("Cast", "positions", [positionIds], OnnxAttribute.Int("to", (long)OnnxElementType.Float));
        var one = graph.ScalarFloat("one", 1f);
        var zero = graph.ScalarFloat("zero", 0f);
        var markerValue = graph.Node("Where", "marker/value", [isMarker, graph.Node("Add", "positions_plus_one", [positions, one]), zero]);
        var cacheColumn = graph.Node("Reshape", "marker/cache_column", [markerValue, graph.Int64s("marker/cache_shape", 0, 1, -1, 1)]);
        var cache = graph.Node("Concat", DecoderIoNames.PresentKey(0), [DecoderIoNames.PastKey(0), cacheColumn], OnnxAttribute.Int("axis", 2));
        graph.Node("Concat", DecoderIoNames.PresentValue(0), [DecoderIoNames.PastValue(0), cacheColumn], OnnxAttribute.Int("axis", 2));

        var latestMarkerPlusOne = graph.Node("ReduceMax", "anchor/latest_marker_plus_one", [cache],
            OnnxAttribute.Ints("axes", 1, 2, 3), OnnxAttribute.Int("keepdims", 0));
        var anchorColumn = graph.Node("Reshape", "anchor/column", [latestMarkerPlusOne, graph.Int64s("anchor/column_shape", -1, 1)]);
        var hasMarker = graph.Node("Greater", "anchor/has_marker", [anchorColumn, zero]);
        var stepsSinceMarker = graph.Node("Add", "steps_since_marker", [graph.Node("Sub", "positions_minus_anchor", [positions, anchorColumn]), one]);
        var endRow = graph.ScalarFloat("end_row", scriptIds.Count);
        var scriptRow = graph.Node("Clip", "script_row", [stepsSinceMarker, zero, endRow]);
        var row = graph.Node("Where", "row", [hasMarker, scriptRow, endRow]);
        var rowIndex = graph.Node("Cast", "row_index", [row], OnnxAttribute.Int("to", (long)OnnxElementType.Int64));

        var table = new float[(scriptIds.Count + 1) * tokenizer.VocabSize];
        for (var step = 0; step < scriptIds.Count; step++)
        {
            table[step * tokenizer.VocabSize + scriptIds[step]] = ChosenLogit;
        }
        table[scriptIds.Count * tokenizer.VocabSize + tokenizer.TokenId(ByteLevelBpeTokenizer.EndOfText)] = ChosenLogit;
        var logitsTable = graph.Floats("logits_table", [scriptIds.Count + 1, tokenizer.VocabSize], table);
        graph.Node("Gather", DecoderIoNames.Logits, [logitsTable, rowIndex], OnnxAttribute.Int("axis", 0));
        signature.DeclareOutputs(graph);
        return graph;
    }
}
