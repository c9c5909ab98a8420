namespace CodeAssist.ModelFactory;

/// <summary>
/// The input and output names of our decoder graphs, which genai_config.json repeats so GenAI can bind them.
/// They are the names Hugging Face's ONNX exports use, so tools that know those exports know ours.
/// </summary>
internal static class DecoderIoNames
{
    public const string InputIds = "input_ids";
    public const string AttentionMask = "attention_mask";
    public const string PositionIds = "position_ids";
    public const string Logits = "logits";
    public const string PastKeyPattern = "past_key_values.%d.key";
    public const string PastValuePattern = "past_key_values.%d.value";
    public const string PresentKeyPattern = "present.%d.key";
    public const string PresentValuePattern = "present.%d.value";

    public static string PastKey(int layer) => $"past_key_values.{layer}.key";

    public static string PastValue(int layer) => $"past_key_values.{layer}.value";

    public static string PresentKey(int layer) => $"present.{layer}.key";

    public static string PresentValue(int layer) => $"present.{layer}.value";

    /// <summary>Symbolic dimension names shown by model viewers and used by ONNX Runtime for shape checks.</summary>
    public const string BatchDimension = "batch_size";
    public const string SequenceDimension = "sequence_length";
    public const string PastSequenceDimension = "past_sequence_length";
    public const string TotalSequenceDimension = "total_sequence_length";
}
