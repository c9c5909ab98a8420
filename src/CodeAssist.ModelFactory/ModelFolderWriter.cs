using CodeAssist.ModelFactory.Builder;
using CodeAssist.ModelFactory.Onnx;

namespace CodeAssist.ModelFactory;

/// <summary>
/// Writes complete ONNX Runtime GenAI model folders: genai_config.json, model.onnx, tokenizer.json,
/// tokenizer_config.json and codeassist.json (our own settings; GenAI rejects unknown fields in its config).
/// The same arguments always produce byte-identical files.
/// </summary>
public static class ModelFolderWriter
{
    public const string GenAiConfigFileName = "genai_config.json";
    public const string ModelFileName = "model.onnx";

    /// <summary>The builder's single external data file beside model.onnx: every initializer's bytes.</summary>
    public const string ModelDataFileName = "model.onnx.data";
    public const string CodeAssistConfigFileName = "codeassist.json";

    /// <summary>Our special tokens spell FIM the way Qwen2.5-Coder does, so its prompt format applies.</summary>
    public const string PromptFormat = "qwen";

    /// <summary>Chat turns are &lt;|user|&gt;…&lt;|end|&gt; and &lt;|assistant|&gt;…&lt;|end|&gt;.</summary>
    public const string ChatFormat = "codeassist";

    /// <summary>
    /// Writes a Llama decoder with the given weights; <paramref name="tokenizer"/> must match their vocabulary.
    /// <paramref name="promptFormat"/> is the FIM format it was trained for (CodeAssist-Tiny: "codeassist");
    /// <paramref name="languages"/> the LSP language ids it learned (codeassist.json <c>languages</c>; all when null);
    /// <paramref name="cursorContext"/> and <paramref name="refactoringPrompt"/> codeassist.json's <c>cursorContext</c> and
    /// <c>refactoringPrompt</c> when not the default.
    /// </summary>
    public static void WriteDecoder(
        string directory, DecoderShape shape, DecoderWeights weights, ByteLevelBpeTokenizer tokenizer, string modelName, string promptFormat = PromptFormat,
        IReadOnlyList<string>? languages = null, string? cursorContext = null, string? refactoringPrompt = null)
    {
        shape.Validate();
        if (weights.Shape != shape)
        {
            throw new ArgumentException($"The weights are for {weights.Shape}, not {shape}.", nameof(weights));
        }
        if (weights.VocabSize != tokenizer.VocabSize)
        {
            throw new ArgumentException(
                $"The weights have a vocabulary of {weights.VocabSize} ids but the tokenizer has {tokenizer.VocabSize}.", nameof(weights));
        }
        var graph = LlamaDecoderGraph.Build(weights);
        var cache = new DecoderGraphSignature(shape.Layers, shape.Heads, shape.HeadSize, tokenizer.VocabSize);
        WriteFolder(directory, graph, cache, shape.Hidden, shape.ContextLength, tokenizer, modelName, promptFormat,
            languages: languages, cursorContext: cursorContext, refactoringPrompt: refactoringPrompt);
    }

    /// <summary>Writes a decoder with seeded random weights and <see cref="ByteLevelBpeTokenizer.Default"/>.</summary>
    public static void WriteRandom(string directory, DecoderShape shape, int seed, string modelName = "codeassist-random")
    {
        var tokenizer = ByteLevelBpeTokenizer.Default;
        WriteDecoder(directory, shape, DecoderWeights.Random(shape, tokenizer.VocabSize, seed), tokenizer, modelName);
    }

    /// <summary>
    /// Writes a model whose greedy continuation of a prompt ending in &lt;|fim_middle|&gt; or &lt;|assistant|&gt;
    /// is exactly <paramref name="script"/>, then &lt;|endoftext|&gt;, using
    /// <see cref="ByteLevelBpeTokenizer.Default"/>. Special token spellings inside the script become those tokens.
    /// </summary>
    public static void WriteScripted(string directory, string script, string modelName = "codeassist-scripted")
    {
        var tokenizer = ByteLevelBpeTokenizer.Default;
        var graph = ScriptedDecoderGraph.Build(tokenizer.Encode(script), tokenizer);
        var cache = new DecoderGraphSignature(ScriptedDecoderGraph.Layers, ScriptedDecoderGraph.Heads, ScriptedDecoderGraph.HeadSize, tokenizer.VocabSize);
        WriteFolder(directory, graph, cache, hiddenSize: ScriptedDecoderGraph.Heads * ScriptedDecoderGraph.HeadSize, ScriptedDecoderGraph.ContextLength,
            tokenizer, modelName, PromptFormat, tokenHealing: false);
    }

    /// <summary>
    /// Writes a prompt-sensitive test model: its reply to a FIM prompt is the marked identifier (one starting with a
    /// Greek letter, such as <c>ΩTotal</c>) that comes last before the suffix (the context files, and the comment lines
    /// above the cursor's line), or nothing (see <see cref="ContextEchoDecoderGraph"/>). Tests on it pass only when the
    /// context reached the model.
    /// </summary>
    public static void WriteContextEcho(string directory, string modelName = "codeassist-context-echo")
    {
        var tokenizer = ByteLevelBpeTokenizer.Default;
        var cache = new DecoderGraphSignature(
            ContextEchoDecoderGraph.Layers, ContextEchoDecoderGraph.Heads, ContextEchoDecoderGraph.HeadSize, tokenizer.VocabSize);
        WriteFolder(directory, ContextEchoDecoderGraph.Build(tokenizer), cache,
            hiddenSize: ContextEchoDecoderGraph.Heads * ContextEchoDecoderGraph.HeadSize, ContextEchoDecoderGraph.ContextLength,
            tokenizer, modelName, PromptFormat, tokenHealing: false);
    }

    /// <summary>
    /// Writes the folder onnxruntime-genai's model builder would write for these weights (see
    /// <see cref="BuilderDecoderGraph"/>): model.onnx with every initializer in model.onnx.data,
    /// genai_config.json with the builder's fields and search defaults (past_present_share_buffer true, no
    /// position_ids input), and the tokenizer's files. Like the builder's output it has no codeassist.json, so the
    /// server detects prompt formats as it would for a downloaded model; a phi3 folder, chat only, gets one that
    /// turns FIM off.
    /// </summary>
    public static void WriteBuilderShaped(
        string directory, DecoderWeights weights, ByteLevelBpeTokenizer tokenizer, BuilderModelOptions options, string modelName = "codeassist-builder")
    {
        if (weights.VocabSize != tokenizer.VocabSize)
        {
            throw new ArgumentException(
                $"The weights have a vocabulary of {weights.VocabSize} ids but the tokenizer has {tokenizer.VocabSize}.", nameof(weights));
        }
        WriteBuilderGraph(directory, weights, options);
        tokenizer.WriteTo(directory);
        var endOfText = tokenizer.TokenId(tokenizer.Layout.EosToken);
        // config.json's bos_token_id: DeepSeek-Coder's begin of sentence; Qwen2.5-Coder and ours begin with the end of text.
        var beginOfText = tokenizer.Layout.BosToken is { } bos ? tokenizer.TokenId(bos) : endOfText;
        WriteBuilderGenAiConfig(Path.Combine(directory, GenAiConfigFileName), weights.Shape, beginOfText, endOfText, tokenizer.VocabSize, options);
        var settings = Path.Combine(directory, CodeAssistConfigFileName);
        if (options.Type == BuilderModelType.Phi3)
        {
            JsonFileWriter.Write(settings, json =>
            {
                json.WriteStartObject();
                json.WriteString("name", modelName);
                json.WriteString("promptFormat", "none");
                json.WriteString("chatFormat", "phi3");
                json.WriteString("generatedBy", "CodeAssist.ModelFactory");
                json.WriteEndObject();
            });
        }
        else if (File.Exists(settings))
        {
            File.Delete(settings);
        }
    }

    /// <summary>
    /// Writes a plain decoder folder (<see cref="WriteDecoder"/>'s) or an fp32 builder-shaped one (such as the shipped
    /// CodeAssist-Tiny) again in the builder's shape with the same weights: the graph and genai_config.json as the model builder writes them for
    /// <paramref name="options"/>, the tokenizer files and codeassist.json copied as they are. The shape, the special
    /// token ids and the vocabulary come from the source's genai_config.json, the weights from its model.onnx
    /// (<see cref="ReadDecoderWeights"/>, the rotary base included).
    /// <paramref name="widenIntermediateTo"/> widens the MLP with zero units (<see cref="DecoderWeights.WithIntermediate"/>):
    /// the same outputs at a large model's weight traffic per token.
    /// </summary>
    public static void ConvertToBuilderShaped(string source, string directory, BuilderModelOptions options, int? widenIntermediateTo = null)
    {
        if (Path.GetFullPath(source) == Path.GetFullPath(directory))
        {
            throw new ArgumentException("The builder-shaped folder must be another folder than its source.");
        }
        var weights = ReadDecoderWeights(source);
        if (widenIntermediateTo is { } intermediate)
        {
            weights = weights.WithIntermediate(intermediate);
        }
        using var config = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(source, GenAiConfigFileName)));
        var model = config.RootElement.GetProperty("model");
        int Number(System.Text.Json.JsonElement element, string name) => element.GetProperty(name).GetInt32();
        WriteBuilderGraph(directory, weights, options);
        foreach (var file in new[] { "tokenizer.json", "tokenizer_config.json", CodeAssistConfigFileName })
        {
            if (File.Exists(Path.Combine(source, file)))
            {
                File.Copy(Path.Combine(source, file), Path.Combine(directory, file), overwrite: true);
            }
        }
        WriteBuilderGenAiConfig(Path.Combine(directory, GenAiConfigFileName), weights.Shape, Number(model, "bos_token_id"), Number(model, "eos_token_id"),
            weights.VocabSize, options);
    }

    /// <summary>
    /// The weights and shape of a plain decoder folder (<see cref="WriteDecoder"/>'s) or an fp32 builder-shaped one: the
    /// shape from its genai_config.json, the rotary base read back exactly from the graph's tables (a model whose window was
    /// extended by a larger base keeps it), the weights from its model.onnx. The training tool reads a shipped model back
    /// this way to train it further.
    /// </summary>
    public static DecoderWeights ReadDecoderWeights(string source)
    {
        using var config = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(source, GenAiConfigFileName)));
        var model = config.RootElement.GetProperty("model");
        var decoder = model.GetProperty("decoder");
        int Number(System.Text.Json.JsonElement element, string name) => element.GetProperty(name).GetInt32();
        var (layers, hidden, heads) = (Number(decoder, "num_hidden_layers"), Number(decoder, "hidden_size"), Number(decoder, "num_attention_heads"));
        var vocabSize = Number(model, "vocab_size");
        var read = OnnxInitializerReader.ReadFloats(Path.Combine(source, ModelFileName));
        var tensors = read;
        var builderShaped = File.Exists(Path.Combine(source, ModelDataFileName));
        if (builderShaped)
        {
            tensors = BuilderDecoderGraph.PlainTensors(tensors, layers, hidden, heads, Number(decoder, "num_key_value_heads"));
        }
        var gate = DecoderWeights.LayerTensorName(0, "mlp.gate_proj");
        if (!tensors.TryGetValue(gate, out var gateValues))
        {
            throw new ArgumentException(builderShaped
                ? $"{source} is builder-shaped but has no float32 MLP weights: only an fp32 builder-shaped folder can be shaped again."
                : $"{source} has no '{gate}' initializer: it is not a plain decoder folder that ModelFactory or the training tool wrote.");
        }
        var keyValueHeads = Number(decoder, "num_key_value_heads");
        var shape = new DecoderShape(
            layers, hidden, heads, gateValues.Length / hidden, Number(model, "context_length"), keyValueHeads == heads ? null : keyValueHeads,
            AttentionBias: tensors.ContainsKey(DecoderWeights.LayerBiasName(0, "self_attn.q_proj")));
        if (RotaryTables(read, shape) is { } tables)
        {
            shape = shape with { RopeTheta = RotaryEmbedding.ThetaOf(tables.Cosine, tables.Sine, shape.ContextLength, shape.HeadSize) };
        }
        // The plain graph's own constants (rotary tables, norms' epsilon) are initializers too: only the weights carry over.
        var names = DecoderWeights.Layout(shape, vocabSize).Select(entry => entry.Name).ToHashSet(StringComparer.Ordinal);
        return DecoderWeights.FromTensors(shape, vocabSize, tensors.Where(t => names.Contains(t.Key)).ToDictionary());
    }

    /// <summary>
    /// The graph's rotary tables in the rotate_half layout [context, head size]: the plain graph's own, or the builder's
    /// half-width cos_cache and sin_cache repeated; null when it has neither.
    /// </summary>
    private static (float[] Cosine, float[] Sine)? RotaryTables(Dictionary<string, float[]> tensors, DecoderShape shape)
    {
        if (tensors.TryGetValue(LlamaDecoderGraph.CosineTableName, out var cosine) && tensors.TryGetValue(LlamaDecoderGraph.SineTableName, out var sine))
        {
            return (cosine, sine);
        }
        if (!tensors.TryGetValue("cos_cache", out var cosineCache) || !tensors.TryGetValue("sin_cache", out var sineCache))
        {
            return null;
        }
        var half = shape.HeadSize / 2;
        float[] Full(float[] cache) =>
            [.. Enumerable.Range(0, shape.ContextLength)
                .SelectMany(position => Enumerable.Repeat(cache.Skip(position * half).Take(half), 2).SelectMany(halves => halves))];
        return (Full(cosineCache), Full(sineCache));
    }

    /// <summary>model.onnx and model.onnx.data as the builder writes them for <paramref name="options"/>.</summary>
    private static void WriteBuilderGraph(string directory, DecoderWeights weights, BuilderModelOptions options)
    {
        weights.Shape.Validate();
        var graph = BuilderDecoderGraph.Build(weights, options);
        Directory.CreateDirectory(directory);
        using var model = new FileStream(Path.Combine(directory, ModelFileName), FileMode.Create, FileAccess.Write, FileShare.None);
        using var data = new FileStream(Path.Combine(directory, ModelDataFileName), FileMode.Create, FileAccess.Write, FileShare.None);
        OnnxModelSerializer.Write(graph, "main_graph", BuilderDecoderGraph.Header, model, new OnnxModelSerializer.ExternalData(ModelDataFileName, data));
    }

    /// <summary>Writes a builder-shaped folder with seeded random weights (see <see cref="DecoderWeights.Random"/>).</summary>
    public static void WriteRandomBuilderShaped(
        string directory, DecoderShape shape, ByteLevelBpeTokenizer tokenizer, BuilderModelOptions options, int seed,
        string modelName = "codeassist-builder") =>
        WriteBuilderShaped(directory, DecoderWeights.Random(shape, tokenizer.VocabSize, seed), tokenizer, options, modelName);

    /// <summary>
    /// The builder's make_genai_config for a base model on CPU: bos, eos and pad ids from config.json (pad is the
    /// end of text when config.json has none, as for DeepSeek-Coder and Qwen2.5-Coder), context_length its
    /// max_position_embeddings, inputs without position_ids, the search section from transformers' generation defaults
    /// (top_k 50) and past_present_share_buffer true, which GroupQueryAttention needs. Only fields GenAI 0.18 knows.
    /// </summary>
    private static void WriteBuilderGenAiConfig(string path, DecoderShape shape, int beginOfText, int endOfText, int vocabSize, BuilderModelOptions options)
    {
        JsonFileWriter.Write(path, json =>
        {
            json.WriteStartObject();
            json.WriteStartObject("model");
            json.WriteNumber("bos_token_id", beginOfText);
            json.WriteNumber("context_length", shape.ContextLength);
            json.WriteStartObject("decoder");
            json.WriteStartObject("session_options");
            json.WriteString("log_id", "onnxruntime-genai");
            json.WriteStartArray("provider_options");
            if (options.ExecutionProvider == BuilderExecutionProvider.Cuda)
            {
                json.WriteStartObject();
                json.WriteStartObject("cuda");
                json.WriteString("enable_cuda_graph", "0");
                json.WriteString("enable_skip_layer_norm_strict_mode", "1");
                json.WriteEndObject();
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteString("filename", ModelFileName);
            json.WriteNumber("head_size", shape.HeadSize);
            json.WriteNumber("hidden_size", shape.Hidden);
            json.WriteStartObject("inputs");
            json.WriteString("input_ids", DecoderIoNames.InputIds);
            json.WriteString("attention_mask", DecoderIoNames.AttentionMask);
            json.WriteString("past_key_names", DecoderIoNames.PastKeyPattern);
            json.WriteString("past_value_names", DecoderIoNames.PastValuePattern);
            json.WriteEndObject();
            json.WriteStartObject("outputs");
            json.WriteString("logits", DecoderIoNames.Logits);
            json.WriteString("present_key_names", DecoderIoNames.PresentKeyPattern);
            json.WriteString("present_value_names", DecoderIoNames.PresentValuePattern);
            json.WriteEndObject();
            json.WriteNumber("num_attention_heads", shape.Heads);
            json.WriteNumber("num_hidden_layers", shape.Layers);
            json.WriteNumber("num_key_value_heads", shape.KeyValueHeadCount);
            json.WriteEndObject();
            json.WriteNumber("eos_token_id", endOfText);
            json.WriteNumber("pad_token_id", endOfText);
            json.WriteString("type", options.GenAiType);
            json.WriteNumber("vocab_size", vocabSize);
            json.WriteEndObject();
            json.WriteStartObject("search");
            json.WriteNumber("diversity_penalty", 0.0);
            json.WriteBoolean("do_sample", false);
            json.WriteBoolean("early_stopping", true);
            json.WriteNumber("length_penalty", 1.0);
            json.WriteNumber("max_length", shape.ContextLength);
            json.WriteNumber("min_length", 0);
            json.WriteNumber("no_repeat_ngram_size", 0);
            json.WriteNumber("num_beams", 1);
            json.WriteNumber("num_return_sequences", 1);
            json.WriteBoolean("past_present_share_buffer", true);
            json.WriteNumber("repetition_penalty", 1.0);
            json.WriteNumber("temperature", 1.0);
            json.WriteNumber("top_k", 50);
            json.WriteNumber("top_p", 1.0);
            json.WriteEndObject();
            json.WriteEndObject();
        });
    }

    private static void WriteFolder(
        string directory, OnnxGraphBuilder graph, DecoderGraphSignature cache, int hiddenSize, int contextLength, ByteLevelBpeTokenizer tokenizer,
        string modelName, string promptFormat, bool tokenHealing = true, IReadOnlyList<string>? languages = null, string? cursorContext = null,
        string? refactoringPrompt = null)
    {
        Directory.CreateDirectory(directory);
        using (var model = new FileStream(Path.Combine(directory, ModelFileName), FileMode.Create, FileAccess.Write, FileShare.None))
        {
            OnnxModelSerializer.Write(graph, modelName, model);
        }
        tokenizer.WriteTo(directory);
        WriteGenAiConfig(Path.Combine(directory, GenAiConfigFileName), cache, hiddenSize, contextLength, tokenizer);
        WriteCodeAssistConfig(
            Path.Combine(directory, CodeAssistConfigFileName), modelName, promptFormat, tokenHealing, languages, cursorContext, refactoringPrompt);
    }

    /// <summary>
    /// Only fields GenAI 0.18 knows: it throws on any other. "llama" selects the plain decoder-only pipeline;
    /// past_present_share_buffer must be false because our graphs grow the cache by concatenation.
    /// </summary>
    private static void WriteGenAiConfig(string path, DecoderGraphSignature cache, int hiddenSize, int contextLength, ByteLevelBpeTokenizer tokenizer)
    {
        var endOfText = tokenizer.TokenId(ByteLevelBpeTokenizer.EndOfText);
        JsonFileWriter.Write(path, json =>
        {
            json.WriteStartObject();
            json.WriteStartObject("model");
            json.WriteNumber("bos_token_id", endOfText);
            json.WriteNumber("context_length", contextLength);
            json.WriteStartObject("decoder");
            json.WriteStartObject("session_options");
            json.WriteString("log_id", "onnxruntime-genai");
            json.WriteStartArray("provider_options");
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteString("filename", ModelFileName);
            json.WriteNumber("head_size", cache.HeadSize);
            json.WriteNumber("hidden_size", hiddenSize);
            json.WriteStartObject("inputs");
            json.WriteString("input_ids", DecoderIoNames.InputIds);
            json.WriteString("attention_mask", DecoderIoNames.AttentionMask);
            json.WriteString("position_ids", DecoderIoNames.PositionIds);
            json.WriteString("past_key_names", DecoderIoNames.PastKeyPattern);
            json.WriteString("past_value_names", DecoderIoNames.PastValuePattern);
            json.WriteEndObject();
            json.WriteStartObject("outputs");
            json.WriteString("logits", DecoderIoNames.Logits);
            json.WriteString("present_key_names", DecoderIoNames.PresentKeyPattern);
            json.WriteString("present_value_names", DecoderIoNames.PresentValuePattern);
            json.WriteEndObject();
            json.WriteNumber("num_attention_heads", cache.Heads);
            json.WriteNumber("num_hidden_layers", cache.Layers);
            json.WriteNumber("num_key_value_heads", cache.Heads);
            json.WriteEndObject();
            json.WriteNumber("eos_token_id", endOfText);
            json.WriteNumber("pad_token_id", endOfText);
            json.WriteString("type", "llama");
            json.WriteNumber("vocab_size", tokenizer.VocabSize);
            json.WriteEndObject();
            json.WriteStartObject("search");
            json.WriteNumber("diversity_penalty", 0.0);
            json.WriteBoolean("do_sample", false);
            json.WriteBoolean("early_stopping", true);
            json.WriteNumber("length_penalty", 1.0);
            json.WriteNumber("max_length", contextLength);
            json.WriteNumber("min_length", 0);
            json.WriteNumber("no_repeat_ngram_size", 0);
            json.WriteNumber("num_beams", 1);
            json.WriteNumber("num_return_sequences", 1);
            json.WriteBoolean("past_present_share_buffer", false);
            json.WriteNumber("repetition_penalty", 1.0);
            json.WriteNumber("temperature", 1.0);
            json.WriteNumber("top_k", 1);
            json.WriteNumber("top_p", 1.0);
            json.WriteEndObject();
            json.WriteEndObject();
        });
    }

    /// <summary>
    /// Our settings beside the model. Scripted models turn token healing off: their reply is the script whatever the
    /// prompt's last word, so a reply made to start with that word would not be theirs.
    /// </summary>
    private static void WriteCodeAssistConfig(
        string path, string modelName, string promptFormat, bool tokenHealing, IReadOnlyList<string>? languages, string? cursorContext,
        string? refactoringPrompt) =>
        JsonFileWriter.Write(path, json =>
        {
            json.WriteStartObject();
            json.WriteString("name", modelName);
            json.WriteString("promptFormat", promptFormat);
            json.WriteString("chatFormat", ChatFormat);
            if (!tokenHealing)
                json.WriteBoolean("tokenHealing", false);
            if (languages is not null)
            {
                json.WriteStartArray("languages");
                foreach (var language in languages)
                    json.WriteStringValue(language);
                json.WriteEndArray();
            }
            if (cursorContext is not null)
                json.WriteString("cursorContext", cursorContext);
            if (refactoringPrompt is not null)
                json.WriteString("refactoringPrompt", refactoringPrompt);
            json.WriteString("generatedBy", "CodeAssist.ModelFactory");
            json.WriteEndObject();
        });
}
