using System.Text.Json;

namespace CodeAssist.Inference.Models;

/// <summary>
/// A GenAI model folder as users get it from onnxruntime-genai's model builder (or from our own generator),
/// checked before anything native touches it so that every problem gets a sentence a person can act on.
/// </summary>
public sealed class ModelFolder
{
    public const string GenAiConfigFile = "genai_config.json";
    public const string TokenizerFile = "tokenizer.json";
    public const string TokenizerConfigFile = "tokenizer_config.json";
    public const string SettingsFile = "codeassist.json";

    /// <summary>Model types GenAI 0.18 runs as decoder-only text models.</summary>
    public static readonly IReadOnlySet<string> SupportedModelTypes = new HashSet<string>(StringComparer.Ordinal)
    {
        "llama", "qwen2", "qwen3", "phi", "phi3", "phi3small", "phimoe", "mistral", "gemma", "gemma2", "gemma3_text", "granite", "olmo", "chatglm", "nemotron",
    };

    private ModelFolder(string path, string modelType, int contextLength, string decoderFile, ModelSettings settings, IReadOnlySet<string> specialTokens)
    {
        Path = path;
        ModelType = modelType;
        ContextLength = contextLength;
        DecoderFile = decoderFile;
        Settings = settings;
        SpecialTokens = specialTokens;
    }

    public string Path { get; }
    public string ModelType { get; }
    public int ContextLength { get; }
    public string DecoderFile { get; }
    public ModelSettings Settings { get; }

    /// <summary>Added and special tokens the tokenizer declares; prompt formats are chosen from these.</summary>
    public IReadOnlySet<string> SpecialTokens { get; }

    public string Name => Settings.Name ?? System.IO.Path.GetFileName(Path.TrimEnd(System.IO.Path.DirectorySeparatorChar));

    /// <summary>Reads and checks a model folder. Throws <see cref="ModelFolderException"/> naming the first problem found.</summary>
    public static ModelFolder Open(string path)
    {
        var problems = new List<string>();
        var folder = TryOpen(path, problems);
        return folder ?? throw new ModelFolderException(path, problems);
    }

    /// <summary>Checks a model folder and returns every problem found (empty when it can be loaded).</summary>
    public static IReadOnlyList<string> Verify(string path)
    {
        var problems = new List<string>();
        TryOpen(path, problems);
        return problems;
    }

    private static ModelFolder? TryOpen(string path, List<string> problems)
    {
        path = System.IO.Path.GetFullPath(path);
        if (!Directory.Exists(path))
        {
            problems.Add($"model folder {path} does not exist; pass --model DIR or run `codeassist model list` to see installed models");
            return null;
        }

        var configPath = System.IO.Path.Combine(path, GenAiConfigFile);
        if (!File.Exists(configPath))
        {
            problems.Add($"{GenAiConfigFile} is missing in {path}; this is not an ONNX Runtime GenAI model folder (convert the model with onnxruntime-genai's model builder)");
            return null;
        }

        JsonElement model;
        try
        {
            using var config = JsonDocument.Parse(File.ReadAllBytes(configPath));
            model = config.RootElement.GetProperty("model").Clone();
        }
        catch (JsonException e)
        {
            problems.Add($"{GenAiConfigFile} in {path} is not valid JSON (line {e.LineNumber + 1}); copy the model folder again");
            return null;
        }
        catch (KeyNotFoundException)
        {
            problems.Add($"{GenAiConfigFile} in {path} has no \"model\" section; copy the model folder again");
            return null;
        }
        catch (InvalidOperationException)
        {
            problems.Add($"{GenAiConfigFile} in {path} is not a JSON object; copy the model folder again");
            return null;
        }

        var modelType = model.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String ? type.GetString()! : "";
        if (!SupportedModelTypes.Contains(modelType))
            problems.Add($"model type \"{modelType}\" in {GenAiConfigFile} is not a decoder type CodeAssist runs (supported: {string.Join(", ", SupportedModelTypes.Order())})");

        var contextLength = model.TryGetProperty("context_length", out var context) && context.TryGetInt32(out var c) ? c : 0;
        if (contextLength <= 0)
            problems.Add($"{GenAiConfigFile} in {path} has no positive model.context_length");

        var decoderFile = model.TryGetProperty("decoder", out var decoder) && decoder.ValueKind == JsonValueKind.Object
            && decoder.TryGetProperty("filename", out var fileName) && fileName.ValueKind == JsonValueKind.String
            ? fileName.GetString()! : "";
        if (decoderFile.Length == 0)
            problems.Add($"{GenAiConfigFile} in {path} names no model.decoder.filename");
        else if (!File.Exists(System.IO.Path.Combine(path, decoderFile)))
            problems.Add($"the decoder {decoderFile} named in {GenAiConfigFile} is missing in {path}; copy the model folder again (including any .onnx.data file)");

        foreach (var required in new[] { TokenizerFile, TokenizerConfigFile })
            if (!File.Exists(System.IO.Path.Combine(path, required)))
                problems.Add($"{required} is missing in {path}; GenAI needs the tokenizer files beside the model");

        IReadOnlySet<string> specialTokens = new HashSet<string>();
        var tokenizerPath = System.IO.Path.Combine(path, TokenizerFile);
        if (File.Exists(tokenizerPath))
        {
            try
            {
                specialTokens = ReadSpecialTokens(tokenizerPath);
            }
            catch (JsonException e)
            {
                problems.Add($"{TokenizerFile} in {path} is not valid JSON (line {e.LineNumber + 1}); copy the model folder again");
            }
        }

        ModelSettings settings = ModelSettings.Empty;
        try
        {
            settings = ModelSettings.Read(path);
        }
        catch (JsonException e)
        {
            problems.Add($"{SettingsFile} in {path} is not valid: {e.Message}");
        }

        return problems.Count == 0 ? new ModelFolder(path, modelType, contextLength, decoderFile, settings, specialTokens) : null;
    }

    /// <summary>
    /// Special tokens are the added tokens; CodeLlama-style tokenizers keep FIM markers in the vocabulary too,
    /// so marker-shaped vocabulary entries count as well.
    /// </summary>
    private static IReadOnlySet<string> ReadSpecialTokens(string tokenizerPath)
    {
        using var stream = File.OpenRead(tokenizerPath);
        using var tokenizer = JsonDocument.Parse(stream);
        var tokens = new HashSet<string>(StringComparer.Ordinal);
        if (tokenizer.RootElement.TryGetProperty("added_tokens", out var added) && added.ValueKind == JsonValueKind.Array)
            foreach (var token in added.EnumerateArray())
                if (token.TryGetProperty("content", out var content) && content.GetString() is { } text)
                    tokens.Add(text);
        if (tokenizer.RootElement.TryGetProperty("model", out var model) && model.TryGetProperty("vocab", out var vocab) && vocab.ValueKind == JsonValueKind.Object)
            foreach (var entry in vocab.EnumerateObject())
                if (entry.Name.Length > 2 && entry.Name.Length < 24 && LooksLikeMarker(entry.Name))
                    tokens.Add(entry.Name);
        return tokens;
    }

    private static bool LooksLikeMarker(string token) =>
        (token[0] == '<' && token[^1] == '>') || (token.StartsWith("▁<", StringComparison.Ordinal) && token[^1] == '>');
}

public sealed class ModelFolderException(string path, IReadOnlyList<string> problems)
    : Exception($"cannot use the model in {path}: {string.Join("; ", problems)}")
{
    public string FolderPath { get; } = path;
    public IReadOnlyList<string> Problems { get; } = problems;
}
