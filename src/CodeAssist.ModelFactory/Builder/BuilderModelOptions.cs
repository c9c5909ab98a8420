namespace CodeAssist.ModelFactory.Builder;

/// <summary>The model families whose builder output ModelFactory reproduces; the value is genai_config.json's "type".</summary>
public enum BuilderModelType
{
    /// <summary>Qwen2 / Qwen2.5-Coder: query, key and value projections with biases.</summary>
    Qwen2,

    /// <summary>Llama / DeepSeek-Coder / CodeLlama.</summary>
    Llama,

    /// <summary>Phi-3 mini 4k (chat only): a sliding attention window of 2,047 tokens.</summary>
    Phi3,
}

/// <summary>Weight precision of a builder-shaped model (the builder's -p option, CPU execution provider).</summary>
public enum BuilderPrecision
{
    /// <summary>MatMul weights as 4-bit MatMulNBits, everything else float32 (-p int4 -e cpu).</summary>
    Int4,

    /// <summary>All weights float32 (-p fp32 -e cpu): the same GroupQueryAttention graph with plain MatMul.</summary>
    Float32,
}

/// <summary>The builder's -e option, as far as the folder shows it.</summary>
public enum BuilderExecutionProvider
{
    /// <summary>float32 activations and cache, MatMulNBits accuracy level 4, no provider options.</summary>
    Cpu,

    /// <summary>float16 activations, weights and cache, accuracy level 0 (omitted), a "cuda" entry in provider_options.</summary>
    Cuda,
}

/// <summary>
/// What the builder decides from its command line and the model's config.json: the family, precision, int4
/// block size and accuracy level (the builder's int4_block_size default 32 and int4_accuracy_level default 4 on
/// CPU), the RMS norm epsilon and rotary theta from config.json.
/// </summary>
public sealed record BuilderModelOptions(BuilderModelType Type, BuilderPrecision Precision = BuilderPrecision.Int4, int BlockSize = 32, int AccuracyLevel = 4)
{
    /// <summary>CUDA folders carry float16 everywhere and the provider in genai_config.json; they need a GPU.</summary>
    public BuilderExecutionProvider ExecutionProvider { get; init; } = BuilderExecutionProvider.Cpu;

    /// <summary>config.json's rms_norm_eps; CodeAssist-Tiny trains with 1e-5 (Qwen2.5-Coder has 1e-6).</summary>
    public float RmsNormEpsilon { get; init; } = LlamaDecoderGraph.RmsNormEpsilon;

    /// <summary>GroupQueryAttention's local_window_size: -1 (none) unless the family has a sliding window.</summary>
    public int LocalWindowSize => Type == BuilderModelType.Phi3 ? 2047 : -1;

    /// <summary>genai_config.json's model type.</summary>
    public string GenAiType => Type switch
    {
        BuilderModelType.Qwen2 => "qwen2",
        BuilderModelType.Llama => "llama",
        BuilderModelType.Phi3 => "phi3",
        _ => throw new ArgumentOutOfRangeException(nameof(Type), Type, "Unknown model type."),
    };
}
