using CodeAssist.ModelFactory.Onnx;

namespace CodeAssist.ModelFactory;

/// <summary>
/// Declares the inputs and outputs GenAI's decoder-only pipeline binds, so that the Llama and scripted graphs
/// cannot drift apart: token ids, attention mask and positions in; logits and one key/value cache per layer,
/// shaped [batch, heads, sequence, head size], both ways.
/// </summary>
internal sealed record DecoderGraphSignature(int Layers, int Heads, int HeadSize, int VocabSize)
{
    public (string InputIds, string AttentionMask, string PositionIds) DeclareInputs(OnnxGraphBuilder graph)
    {
        var inputIds = graph.Input(DecoderIoNames.InputIds, OnnxElementType.Int64, DecoderIoNames.BatchDimension, DecoderIoNames.SequenceDimension);
        var attentionMask = graph.Input(
            DecoderIoNames.AttentionMask, OnnxElementType.Int64, DecoderIoNames.BatchDimension, DecoderIoNames.TotalSequenceDimension);
        var positionIds = graph.Input(DecoderIoNames.PositionIds, OnnxElementType.Int64, DecoderIoNames.BatchDimension, DecoderIoNames.SequenceDimension);
        for (var layer = 0; layer < Layers; layer++)
        {
            graph.Input(DecoderIoNames.PastKey(layer), OnnxElementType.Float, CacheShape(DecoderIoNames.PastSequenceDimension));
            graph.Input(DecoderIoNames.PastValue(layer), OnnxElementType.Float, CacheShape(DecoderIoNames.PastSequenceDimension));
        }
        return (inputIds, attentionMask, positionIds);
    }

    /// <summary>Declares the outputs; the graph must already have produced values with these names.</summary>
    public void DeclareOutputs(OnnxGraphBuilder graph)
    {
        graph.Output(DecoderIoNames.Logits, OnnxElementType.Float, DecoderIoNames.BatchDimension, DecoderIoNames.SequenceDimension, VocabSize);
        for (var layer = 0; layer < Layers; layer++)
        {
            graph.Output(DecoderIoNames.PresentKey(layer), OnnxElementType.Float, CacheShape(DecoderIoNames.TotalSequenceDimension));
            graph.Output(DecoderIoNames.PresentValue(layer), OnnxElementType.Float, CacheShape(DecoderIoNames.TotalSequenceDimension));
        }
    }

    private OnnxDimension[] CacheShape(string sequenceDimension) =>
        [DecoderIoNames.BatchDimension, Heads, sequenceDimension, HeadSize];
}
