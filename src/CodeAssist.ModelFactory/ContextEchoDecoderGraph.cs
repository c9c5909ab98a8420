using CodeAssist.ModelFactory.Onnx;

namespace CodeAssist.ModelFactory;

/// <summary>
/// Builds a prompt-sensitive test model: after &lt;|fim_middle|&gt; its greedy reply is the <em>marked identifier</em>
/// that comes last before &lt;|fim_suffix|&gt; (the context files, and the prefix, where the context that depends on
/// the cursor's token sits as comment lines above the cursor's line), then &lt;|endoftext|&gt;; with no such
/// identifier there it answers &lt;|endoftext|&gt; at once. An identifier is marked when it starts with a Greek letter
/// (<c>ΩTotal</c>, <c>λCount</c>). Marked identifiers in the current file's suffix are not seen: a test declares
/// them below the cursor, so its expected reply can only come from context that reached the model, and a
/// completion test on it fails when the context is wrong or missing, which the scripted model cannot show.
/// </summary>
/// <remarks>
/// One layer, one head of four numbers per token, kept in the key/value cache so that GenAI's RewindTo forgets
/// exactly what it rewinds past: (0) position + 1 if the token starts a marked identifier, (1) the token id,
/// (2) position + 1 if it is &lt;|fim_middle|&gt;, (3) position + 1 if it is &lt;|fim_suffix|&gt;. At position p, with
/// the latest &lt;|fim_middle|&gt; at m and the latest marked identifier before &lt;|fim_suffix|&gt; starting at a, the
/// reply token is the one cached at a + (p − m) while that token can be part of an identifier (letters, digits,
/// underscore, non-ASCII bytes), otherwise &lt;|endoftext|&gt;. The byte-level tokenizer keeps a Greek letter's lead
/// byte (0xCE or 0xCF) a token of its own, as no merge of <see cref="ByteLevelBpeTokenizer.Default"/> involves it.
/// </remarks>
internal static class ContextEchoDecoderGraph
{
    private const float ChosenLogit = 10f;

    public const int Layers = 1, Heads = 1, HeadSize = 4;

    public const int ContextLength = 8192;

    public static OnnxGraphBuilder Build(ByteLevelBpeTokenizer tokenizer)
    {
        var graph = new OnnxGraphBuilder();
        var vocab = tokenizer.VocabSize;
        var signature = new DecoderGraphSignature(Layers, Heads, HeadSize, vocab);
        var (inputIds, _, positionIds) = signature.DeclareInputs(graph);

        var markerTable = new float[vocab];
        var identifierTable = new float[vocab];
        for (var id = 0; id < tokenizer.RegularTokenCount; id++)
        {
            var bytes = tokenizer.BytesOf(id);
            markerTable[id] = bytes.Count > 0 && bytes[0] is 0xCE or 0xCF ? 1f : 0f;
            identifierTable[id] = bytes.Count > 0 && bytes.All(b => b >= 0x80 || b == '_' || char.IsAsciiLetterOrDigit((char)b)) ? 1f : 0f;
        }

        var zero = graph.ScalarFloat("zero", 0f);
        var one = graph.ScalarFloat("one", 1f);
        var half = graph.ScalarFloat("half", 0.5f);
        var positions = graph.Node("Cast", "positions", [positionIds], OnnxAttribute.Int("to", (long)OnnxElementType.Float));
        var positionsPlusOne = graph.Node("Add", "positions_plus_one", [positions, one]);
        var markerFlags = graph.Node("Gather", "marker_flags", [graph.Floats("marker_table", [vocab], markerTable), inputIds]);
        var isMarker = graph.Node("Greater", "is_marker", [markerFlags, half]);
        var isMiddle = graph.Node("Equal", "is_fim_middle", [inputIds, graph.ScalarInt64("fim_middle_id", tokenizer.TokenId(ByteLevelBpeTokenizer.FimMiddle))]);
        var isSuffix = graph.Node("Equal", "is_fim_suffix", [inputIds, graph.ScalarInt64("fim_suffix_id", tokenizer.TokenId(ByteLevelBpeTokenizer.FimSuffix))]);
        string[] channels =
        [
            graph.Node("Where", "new/marker", [isMarker, positionsPlusOne, zero]),
            graph.Node("Cast", "new/token", [inputIds], OnnxAttribute.Int("to", (long)OnnxElementType.Float)),
            graph.Node("Where", "new/fim_middle", [isMiddle, positionsPlusOne, zero]),
            graph.Node("Where", "new/fim_suffix", [isSuffix, positionsPlusOne, zero]),
        ];
        var columnShape = graph.Int64s("column_shape", 0, -1, 1);
        var stacked = graph.Node("Concat", "new/stacked",
            [.. channels.Select((c, i) => graph.Node("Reshape", $"new/column{i}", [c, columnShape]))], OnnxAttribute.Int("axis", 2));
        var newCache = graph.Node("Reshape", "new/cache", [stacked, graph.Int64s("cache_shape", 0, 1, -1, HeadSize)]);
        var cache = graph.Node("Concat", DecoderIoNames.PresentKey(0), [DecoderIoNames.PastKey(0), newCache], OnnxAttribute.Int("axis", 2));
        graph.Node("Concat", DecoderIoNames.PresentValue(0), [DecoderIoNames.PastValue(0), newCache], OnnxAttribute.Int("axis", 2));

        string Channel(int index) =>
            graph.Node("Gather", $"cache/channel{index}", [cache, graph.ScalarInt64($"channel{index}_index", index)], OnnxAttribute.Int("axis", 3));
        string Latest(string name, string values, bool keepDims) =>
            graph.Node("ReduceMax", name, [values], OnnxAttribute.Ints("axes", 1, 2), OnnxAttribute.Int("keepdims", keepDims ? 1 : 0));
        var perBatch = graph.Int64s("per_batch_shape", -1, 1);

        // The latest marker before the latest <|fim_suffix|>: markers in the current file's suffix do not count.
        var markers = Channel(0);
        var suffixPlusOne = Latest("suffix_plus_one", Channel(3), keepDims: true);
        var contextMarkers = graph.Node("Where", "context_markers", [graph.Node("Less", "before_suffix", [markers, suffixPlusOne]), markers, zero]);
        var anchorPlusOne = graph.Node("Reshape", "anchor_plus_one", [Latest("anchor_latest", contextMarkers, keepDims: false), perBatch]);
        var middlePlusOne = graph.Node("Reshape", "middle_plus_one", [Latest("middle_latest", Channel(2), keepDims: false), perBatch]);

        // Reply step k = p − m reads the token cached at a + k = (a + 1) + p − (m + 1).
        var target = graph.Node("Sub", "target", [graph.Node("Add", "anchor_plus_position", [anchorPlusOne, positions]), middlePlusOne]);
        var totalInt = graph.Node("Gather", "total_length_int", [graph.Node("Shape", "cache_shape_now", [cache]), graph.ScalarInt64("sequence_axis", 2)]);
        var total = graph.Node("Cast", "total_length", [totalInt], OnnxAttribute.Int("to", (long)OnnxElementType.Float));
        var last = graph.Node("Sub", "last_position", [total, one]);
        var targetIndex = graph.Node("Cast", "target_index",
            [graph.Node("Clip", "target_clipped", [target, zero, last])], OnnxAttribute.Int("to", (long)OnnxElementType.Int64));
        var tokens = graph.Node("Reshape", "cached_tokens", [Channel(1), graph.Int64s("row_shape", 0, -1)]);
        var copiedFloat = graph.Node("GatherElements", "copied_float", [tokens, targetIndex], OnnxAttribute.Int("axis", 1));
        var copied = graph.Node("Cast", "copied", [copiedFloat], OnnxAttribute.Int("to", (long)OnnxElementType.Int64));

        var copiedFlags = graph.Node("Gather", "copied_flags", [graph.Floats("identifier_table", [vocab], identifierTable), copied]);
        var continues = graph.Node("Greater", "copied_continues", [copiedFlags, half]);
        var afterMiddle = graph.Node("Not", "after_middle", [graph.Node("Less", "before_middle", [positionsPlusOne, middlePlusOne])]);
        var inCache = graph.Node("Not", "in_cache", [graph.Node("Greater", "past_end", [target, last])]);
        var found = graph.Node("And", "found",
            [graph.Node("Greater", "has_anchor", [anchorPlusOne, zero]), graph.Node("Greater", "has_middle", [middlePlusOne, zero])]);
        var copying = graph.Node("And", "copying",
            [graph.Node("And", "found_after_middle", [found, afterMiddle]), graph.Node("And", "continues_in_cache", [continues, inCache])]);
        var chosen = graph.Node("Where", "chosen", [copying, copied, graph.ScalarInt64("end_of_text_id", tokenizer.TokenId(ByteLevelBpeTokenizer.EndOfText))]);

        var vocabIds = graph.Int64s("vocab_ids", [.. Enumerable.Range(0, vocab).Select(i => (long)i)]);
        var oneHot = graph.Node("Equal", "one_hot", [graph.Node("Reshape", "chosen_column", [chosen, columnShape]), vocabIds]);
        var oneHotFloat = graph.Node("Cast", "one_hot_float", [oneHot], OnnxAttribute.Int("to", (long)OnnxElementType.Float));
        graph.Node("Mul", DecoderIoNames.Logits, [oneHotFloat, graph.ScalarFloat("chosen_logit", ChosenLogit)]);
        signature.DeclareOutputs(graph);
        return graph;
    }
}
