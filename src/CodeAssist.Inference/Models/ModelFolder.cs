using System.Text.Json;
using CodeAssist.Inference.Prompts;
using CodeAssist.Inference.Remote;

namespace CodeAssist.Inference.Models;

/// <summary>
/// A GenAI model folder as users get it from onnxruntime-genai's model builder (or from our own generator),
/// checked before anything native touches it so that every problem gets a sentence a person can act on:
/// what is wrong, where, and what to do.
/// </summary>
public sealed class ModelFolder
{
    public const string GenAiConfigFile = "genai_config.json";
    public const string TokenizerFile = "tokenizer.json";
    public const string TokenizerConfigFile = "tokenizer_config.json";
    public const string SettingsFile = "codeassist.json";

    /// <summary>The model types GenAI 0.18 runs as text decoders (its ModelType::IsLLM list).</summary>
    public static readonly IReadOnlySet<string> SupportedModelTypes = new HashSet<string>(StringComparer.Ordinal)
    {
        "chatglm", "decoder", "ernie4_5", "gemma", "gemma2", "gemma3_text", "gpt2", "gptoss", "granite", "internlm2", "lfm2",
        "llama", "mistral", "nemotron", "olmo", "phi", "phimoe", "phi3", "phi3small", "qwen2", "qwen3", "smollm3",
    };

    private ModelFolder(string path, string modelType, int contextLength, int? vocabSize, string decoderFile, int? beginTokenId, ModelSettings settings,
        IReadOnlyDictionary<string, int> specialTokenIds, PromptFormat format, TokenHealing healing, Speculation speculation)
    {
        Speculation = speculation;
        Path = path;
        VocabSize = vocabSize;
        ModelType = modelType;
        ContextLength = contextLength;
        DecoderFile = decoderFile;
        BeginTokenId = beginTokenId;
        Settings = settings;
        SpecialTokenIds = specialTokenIds;
        SpecialTokens = specialTokenIds.Keys.ToHashSet(StringComparer.Ordinal);
        Format = format;
        Languages = ModelLanguages.Of(settings.Languages);
        Healing = format.Fim is null || settings.TokenHealing == false ? TokenHealing.None : healing;
    }

    public string Path { get; }
    public string ModelType { get; }
    public int ContextLength { get; }

    /// <summary>What model.onnx is made of (operators, quantization, KV cache layout, external data); null when unreadable.</summary>
    public OnnxGraphSummary? Graph { get; private init; }

    /// <summary>
    /// Why speculation may not give plain greedy's reply with this graph, or null. MatMulNBits at accuracy level 4
    /// (the model builder's CPU default) computes in int8, and a verification pass over several tokens rounds
    /// differently from a one-token pass, so a near-tie between two tokens can go the other way: measured on a
    /// widened CodeAssist-Tiny, 4 of 24 speculative replies of 64 tokens differed at level 4 and none at level 1
    /// (docs/PERFORMANCE.md, #23).
    /// </summary>
    public string? SpeculationCaveat => Speculation.Mode != SpeculationMode.None && Graph?.Quantization is { AccuracyLevel: 4 }
        ? "replies can differ from plain decoding at near-ties: the int4 graph computes in int8 (MatMulNBits accuracy level 4) and " +
          "verifies several tokens per pass; build it with accuracy level 1 (the model builder's int4_accuracy_level=1) for identical replies"
        : null;

    /// <summary>genai_config.json's model.vocab_size: the width of the logits (Qwen2.5-Coder pads it past the tokenizer's ids).</summary>
    public int? VocabSize { get; }
    public string DecoderFile { get; }
    public ModelSettings Settings { get; }

    /// <summary>The model's begin-of-text id from genai_config.json, when it names one.</summary>
    public int? BeginTokenId { get; }

    /// <summary>
    /// tokenizer_config.json's add_bos_token: the model was trained with <see cref="BeginTokenId"/> before every document
    /// (DeepSeek-Coder), which Hugging Face's tokenizer adds and GenAI 0.18's byte-level tokenizer does not.
    /// </summary>
    public bool AddsBeginToken { get; private init; }

    /// <summary>Added and special tokens the tokenizer declares; prompt formats are chosen from these.</summary>
    public IReadOnlySet<string> SpecialTokens { get; }

    /// <summary>The ids of <see cref="SpecialTokens"/>, straight from tokenizer.json.</summary>
    public IReadOnlyDictionary<string, int> SpecialTokenIds { get; }

    /// <summary>The prompt format: from codeassist.json when it names one, otherwise detected from <see cref="SpecialTokens"/>.</summary>
    public PromptFormat Format { get; }

    /// <summary>The languages the model completes (codeassist.json <c>languages</c>); all when the folder does not say.</summary>
    public ModelLanguages Languages { get; }

    /// <summary>How FIM prompts cut a word the cursor is in (off for instruction prompts and tokenizers that are not byte-level).</summary>
    public TokenHealing Healing { get; }

    /// <summary>How generation speculates: a draft model, prompt lookup, or not at all.</summary>
    public Speculation Speculation { get; }

    public string Name => Settings.Name ?? System.IO.Path.GetFileName(Path.TrimEnd(System.IO.Path.DirectorySeparatorChar));

    /// <summary>
    /// Reads and checks a model folder, settings that load native code included (see <see cref="NativeCodeApprovals"/>,
    /// against the user's <see cref="ModelsDirectory"/>), and the draft model it pairs with. Throws
    /// <see cref="ModelFolderException"/> listing every problem. <paramref name="speculation"/>, when given, replaces the
    /// speculation section of its codeassist.json.
    /// </summary>
    public static ModelFolder Open(string path, SpeculationSettings? speculation = null) => Open(path, ModelsDirectory.Current, speculation);

    public static ModelFolder Open(string path, string modelsDirectory, SpeculationSettings? speculation = null)
    {
        var problems = new List<string>();
        var folder = TryOpen(path, problems, modelsDirectory, checkNativeCode: true, speculation);
        return folder ?? throw new ModelFolderException(System.IO.Path.GetFullPath(path), problems);
    }

    /// <summary>Checks a model folder, and the draft model it pairs with, and returns every problem found (empty when it can be loaded).</summary>
    public static IReadOnlyList<string> Verify(string path) => Verify(path, ModelsDirectory.Current);

    /// <summary>Whether the folder holds a model to run here (genai_config.json); a team server folder may hold none.</summary>
    public static bool HasWeights(string path) => File.Exists(System.IO.Path.Combine(path, GenAiConfigFile));

    /// <summary>
    /// The team server the folder's codeassist.json names in <c>backend</c> (relative paths taken from the folder, the
    /// folder's <c>languages</c> as the served model's), or null when it names none. Throws
    /// <see cref="ModelFolderException"/> with the sentence when the file or the backend is not valid (an <c>apiKey</c> in
    /// it is refused, as in settings).
    /// </summary>
    public static TeamServerSettings? DeclaredBackend(string path)
    {
        path = System.IO.Path.GetFullPath(path);
        try
        {
            var settings = ModelSettings.Read(path);
            if (settings.Backend is not { } backend)
                return null;
            // The folder's languages restrict the served model as they restrict a local one.
            if (ModelLanguages.Problem(settings.Languages) is { } languagesProblem)
                throw new ModelFolderException(path, [$"{SettingsFile} in {path}: {languagesProblem}"]);
            return TeamServerSettings.Parse(backend, path) is { } server ? server with { Languages = settings.Languages } : null;
        }
        catch (JsonException e)
        {
            throw new ModelFolderException(path, [SettingsProblem(path, e)]);
        }
        catch (ArgumentException e)
        {
            throw new ModelFolderException(path, [$"{SettingsFile} in {path}: {e.Message}"]);
        }
    }

    /// <summary>A folder without weights whose codeassist.json names a team server: its problems (none when usable); null for other folders.</summary>
    private static IReadOnlyList<string>? TeamServerFolderProblems(string path)
    {
        if (!Directory.Exists(path) || HasWeights(path) || !File.Exists(System.IO.Path.Combine(path, SettingsFile)))
            return null;
        try
        {
            return DeclaredBackend(path) is null ? null : [];
        }
        catch (ModelFolderException e)
        {
            return e.Problems;
        }
    }

    /// <summary>
    /// Checks a model folder; with <paramref name="checkNativeCode"/> false, settings that load native code or write
    /// files are left out of the problems, for `model add`, which shows them and asks the user instead.
    /// </summary>
    public static IReadOnlyList<string> Verify(string path, string modelsDirectory, bool checkNativeCode = true)
    {
        if (TeamServerFolderProblems(System.IO.Path.GetFullPath(path)) is { } teamServer)
            return teamServer;
        var problems = new List<string>();
        TryOpen(path, problems, modelsDirectory, checkNativeCode, null);
        return problems;
    }

    private static ModelFolder? TryOpen(
        string path, List<string> problems, string modelsDirectory, bool checkNativeCode, SpeculationSettings? speculationOverride)
    {
        path = System.IO.Path.GetFullPath(path);
        if (!Directory.Exists(path))
        {
            problems.Add(File.Exists(path)
                ? $"{path} is a file, not a model folder; pass the folder that holds {GenAiConfigFile}"
                : $"model folder {path} does not exist; pass --model DIR or run `codeassist model list` to see installed models");
            return null;
        }

        var configPath = System.IO.Path.Combine(path, GenAiConfigFile);
        if (!File.Exists(configPath))
        {
            problems.Add($"{GenAiConfigFile} is missing in {path}; this is not an ONNX Runtime GenAI model folder " +
                "(convert the model with onnxruntime-genai's model builder, see models/README.md)");
            return null;
        }

        JsonElement model;
        try
        {
            using var config = JsonDocument.Parse(File.ReadAllBytes(configPath));
            if (config.RootElement.ValueKind != JsonValueKind.Object)
            {
                problems.Add($"{GenAiConfigFile} in {path} is not a JSON object; copy the model folder again");
                return null;
            }
            if (!config.RootElement.TryGetProperty("model", out var section) || section.ValueKind != JsonValueKind.Object)
            {
                problems.Add($"{GenAiConfigFile} in {path} has no \"model\" section; it was not written by the model builder, copy the model folder again");
                return null;
            }
            model = section.Clone();
            if (checkNativeCode)
                problems.AddRange(NativeCodeApprovals.Problems(path, NativeCodeSettings.Find(config.RootElement, path), modelsDirectory));
        }
        catch (JsonException e)
        {
            problems.Add($"{GenAiConfigFile} in {path} is not valid JSON (line {e.LineNumber + 1}); copy the model folder again");
            return null;
        }

        var modelType = model.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String ? type.GetString()! : "";
        if (modelType.Length == 0)
        {
            problems.Add($"{GenAiConfigFile} in {path} names no model.type; copy the model folder again");
        }
        else if (!SupportedModelTypes.Contains(modelType))
        {
            problems.Add($"model type \"{modelType}\" in {GenAiConfigFile} in {path} is not a text decoder CodeAssist runs " +
                $"(supported: {string.Join(", ", SupportedModelTypes.Order(StringComparer.Ordinal))}); " +
                "pick a code or chat model of a supported family (see models/README.md)");
        }

        var contextLength = model.TryGetProperty("context_length", out var context) && context.TryGetInt32(out var c) ? c : 0;
        if (contextLength <= 0)
            problems.Add($"{GenAiConfigFile} in {path} has no positive model.context_length; copy the model folder again");

        int? vocabSize = model.TryGetProperty("vocab_size", out var vocab) && vocab.ValueKind == JsonValueKind.Number && vocab.TryGetInt32(out var v) && v > 0
            ? v
            : null;

        int? beginTokenId = model.TryGetProperty("bos_token_id", out var bos) && bos.ValueKind == JsonValueKind.Number && bos.TryGetInt32(out var b) ? b : null;

        OnnxGraphSummary? graph = null;
        var decoderFile = model.TryGetProperty("decoder", out var decoder) && decoder.ValueKind == JsonValueKind.Object
            && decoder.TryGetProperty("filename", out var fileName) && fileName.ValueKind == JsonValueKind.String
            ? fileName.GetString()! : "";
        if (decoderFile.Length == 0)
        {
            problems.Add($"{GenAiConfigFile} in {path} names no model.decoder.filename; copy the model folder again");
        }
        else if (!File.Exists(System.IO.Path.Combine(path, decoderFile)))
        {
            problems.Add($"the decoder {decoderFile} named in {GenAiConfigFile} is missing in {path}; " +
                $"copy the model folder again (with any {decoderFile}.data file beside it)");
        }
        else if (OnnxFileCheck.Problem(System.IO.Path.Combine(path, decoderFile)) is { } damage)
        {
            problems.Add($"the decoder {decoderFile} in {path} {damage}; copy the model folder again");
        }
        else
        {
            graph = CheckGraph(path, decoderFile, problems);
        }

        foreach (var required in new[] { TokenizerFile, TokenizerConfigFile })
        {
            if (!File.Exists(System.IO.Path.Combine(path, required)))
            {
                problems.Add($"{required} is missing in {path}; GenAI needs the tokenizer files beside the model, " +
                    "copy them from the model's source (the model builder writes both)");
            }
        }

        IReadOnlyDictionary<string, int> specialTokens = new Dictionary<string, int>();
        var healing = TokenHealing.None;
        var tokenizerPath = System.IO.Path.Combine(path, TokenizerFile);
        var tokenizerReadable = false;
        if (File.Exists(tokenizerPath))
        {
            try
            {
                (specialTokens, healing, var largestId, var refusedPattern) = ReadTokenizer(tokenizerPath);
                tokenizerReadable = true;
                if (refusedPattern is not null)
                {
                    problems.Add($"{TokenizerFile} in {path} splits words with the pattern {refusedPattern} (DeepSeek-Coder's pre-tokenizer), " +
                        $"which the tokenizer of ONNX Runtime GenAI {GenAiRuntime.Version} cannot read (it stops with \"Invalid regex\"): " +
                        "this model cannot run with this runtime; pick a model of another family (Qwen2.5-Coder, see models/README.md)");
                }
                if (vocabSize is { } rows && largestId >= rows)
                {
                    problems.Add($"{TokenizerFile} in {path} has token ids up to {largestId} but {GenAiConfigFile} says model.vocab_size is {rows}: " +
                        "the tokenizer belongs to another model (or another size of it); " +
                        $"copy {TokenizerFile} and {TokenizerConfigFile} from the same model as {decoderFile}");
                }
            }
            catch (JsonException e)
            {
                problems.Add($"{TokenizerFile} in {path} is not valid JSON (line {e.LineNumber + 1}); copy the model folder again");
            }
        }

        var settings = ModelSettings.Empty;
        try
        {
            settings = ModelSettings.Read(path);
        }
        catch (JsonException e)
        {
            problems.Add(SettingsProblem(path, e));
        }
        if (ModelLanguages.Problem(settings.Languages) is { } languagesProblem)
            problems.Add($"{SettingsFile} in {path}: {languagesProblem}");
        if (settings.CursorContext is { } cursorContext && !ModelSettings.CursorContextValues.Contains(cursorContext))
            problems.Add($"{SettingsFile} in {path}: cursorContext \"{cursorContext}\" is not one of {string.Join(", ", ModelSettings.CursorContextValues)}");
        if (settings.RefactoringPrompt is { } refactoringPrompt && !ModelSettings.RefactoringPromptValues.Contains(refactoringPrompt))
        {
            problems.Add(
                $"{SettingsFile} in {path}: refactoringPrompt \"{refactoringPrompt}\" is not one of "
                + string.Join(", ", ModelSettings.RefactoringPromptValues));
        }

        PromptFormat? format = null;
        if (tokenizerReadable)
        {
            var formatProblems = new List<string>();
            format = PromptFormat.TryChoose(specialTokens.Keys.ToHashSet(StringComparer.Ordinal), settings.PromptFormat, settings.ChatFormat, formatProblems);
            if (format is not null)
                format = format with { NextEdit = NextEditFormat.Choose(settings.NextEditFormat, formatProblems) };
            problems.AddRange(formatProblems.Select(problem => $"{SettingsFile} in {path}: {problem}"));
        }

        var speculation = ResolveSpeculation(path, model, speculationOverride ?? settings.Speculation, problems, modelsDirectory, checkNativeCode);

        return problems.Count == 0
            ? new ModelFolder(path, modelType, contextLength, vocabSize, decoderFile, beginTokenId, settings, specialTokens, format!, healing, speculation)
            {
                Graph = graph,
                AddsBeginToken = ReadsAddBosToken(System.IO.Path.Combine(path, TokenizerConfigFile)),
            }
            : null;
    }

    /// <summary>
    /// The speculation to run: a draft named in genai_config.json itself (GenAI's composite folders), or what the
    /// speculation section of codeassist.json asks for, its draft model checked as a folder and as a pair.
    /// </summary>
    private static Speculation ResolveSpeculation(
        string path, JsonElement model, SpeculationSettings? settings, List<string> problems, string modelsDirectory, bool checkNativeCode)
    {
        var where = $"{SettingsFile} in {path}";
        if (settings?.MaxDraftTokens is { } k && (k < SpeculationSettings.MinDraftTokens || k > SpeculationSettings.MaxDraftTokensLimit))
        {
            problems.Add(
                $"{where}: speculation.maxDraftTokens is {k}, GenAI takes {SpeculationSettings.MinDraftTokens} to {SpeculationSettings.MaxDraftTokensLimit}");
        }
        if (settings?.NgramSize is { } n && (n < 2 || n > 16))
            problems.Add($"{where}: speculation.ngramSize is {n}, GenAI takes 2 to 16");

        if (model.TryGetProperty("draft", out var nativeDraft) && nativeDraft.ValueKind == JsonValueKind.Object)
        {
            // The draft is part of GenAI's own configuration, so GenAI loads it whatever codeassist.json says.
            if (settings is { DraftModel: not null } or { PromptLookup: true })
            {
                problems.Add($"{GenAiConfigFile} in {path} already names a draft decoder (model.draft); " +
                    $"remove the speculation section's draftModel and promptLookup from {SettingsFile}, or model.draft from {GenAiConfigFile}");
            }
            var draftFile = nativeDraft.TryGetProperty("filename", out var f) && f.ValueKind == JsonValueKind.String ? f.GetString()! : "";
            var draftFolder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(System.IO.Path.Combine(path, draftFile)))!;
            if (draftFile.Length == 0 || !File.Exists(System.IO.Path.Combine(path, draftFile)))
            {
                problems.Add($"the draft decoder {draftFile} named in {GenAiConfigFile} (model.draft.filename) is missing in {path}; " +
                    "copy the draft model beside it");
            }
            return new Speculation(
                SpeculationMode.DraftModel, draftFolder, System.IO.Path.GetFileName(draftFolder), settings?.MaxDraftTokens, null, FromGenAiConfig: true);
        }

        if (settings is null || (settings.DraftModel is null && !settings.PromptLookup))
            return Speculation.None;
        if (settings.DraftModel is not null && settings.PromptLookup)
        {
            problems.Add($"{where}: speculation names both a draftModel and promptLookup; GenAI runs one of them, remove the other");
            return Speculation.None;
        }
        if (settings.PromptLookup)
        {
            return new Speculation(SpeculationMode.PromptLookup, null, null,
                settings.MaxDraftTokens ?? SpeculationSettings.DefaultPromptLookupDraftTokens, settings.NgramSize ?? SpeculationSettings.DefaultNgramSize);
        }

        var draft = System.IO.Path.GetFullPath(System.IO.Path.Combine(path, settings.DraftModel!));
        var draftProblems = new List<string>();
        var draftFolderOpened = TryOpen(draft, draftProblems, modelsDirectory, checkNativeCode, SpeculationSettings.Off);
        if (draftFolderOpened is null)
        {
            problems.AddRange(draftProblems.Select(problem => $"the draft model named in {where} cannot be used: {problem}"));
            return Speculation.None;
        }
        problems.AddRange(DraftModelPair.Incompatibilities(path, draft).Select(problem => $"the draft model {draft} does not fit {path}: {problem}"));
        return new Speculation(SpeculationMode.DraftModel, draft, draftFolderOpened.Name, settings.MaxDraftTokens, null);
    }

    private static string SettingsProblem(string path, JsonException e) =>
        $"{SettingsFile} in {path} is not valid ({DescribeSettingsError(e)}); fix it or delete it: the file is optional and holds only " +
        "name, promptFormat, chatFormat, nextEditFormat, tokenHealing, languages, speculation and backend";

    private static string DescribeSettingsError(JsonException e)
    {
        var message = e.Message;
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        if (cut >= 0)
            message = message[..cut];
        if (message.Contains("could not be converted to System.String", StringComparison.Ordinal))
            message = "the value must be a string";
        else if (message.Contains("could not be converted to " + typeof(ModelSettings).FullName, StringComparison.Ordinal))
            message = "the file must hold one JSON object";
        var field = e.Path is { Length: > 2 } jsonPath && jsonPath.StartsWith("$.", StringComparison.Ordinal) ? $", field {jsonPath[2..]}" : "";
        return $"line {(e.LineNumber ?? 0) + 1}{field}: {message.TrimEnd('.')}";
    }

    /// <summary>
    /// Special tokens are the added tokens; Code Llama-style tokenizers keep FIM markers in the vocabulary too,
    /// so marker-shaped vocabulary entries count as well. The pre-tokenizer decides the token healing.
    /// </summary>
    private static (Dictionary<string, int> SpecialTokens, TokenHealing Healing, int LargestId, string? RefusedPattern) ReadTokenizer(string tokenizerPath)
    {
        using var stream = File.OpenRead(tokenizerPath);
        using var tokenizer = JsonDocument.Parse(stream);
        var tokens = new Dictionary<string, int>(StringComparer.Ordinal);
        var largestId = -1;
        if (tokenizer.RootElement.ValueKind != JsonValueKind.Object)
            return (tokens, TokenHealing.None, largestId, null);
        if (tokenizer.RootElement.TryGetProperty("added_tokens", out var added) && added.ValueKind == JsonValueKind.Array)
        {
            foreach (var token in added.EnumerateArray())
            {
                if (token.ValueKind == JsonValueKind.Object && token.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String
                    && token.TryGetProperty("id", out var id) && id.TryGetInt32(out var value))
                {
                    tokens[content.GetString()!] = value;
                    largestId = Math.Max(largestId, value);
                }
            }
        }
        if (tokenizer.RootElement.TryGetProperty("model", out var model) && model.ValueKind == JsonValueKind.Object
            && model.TryGetProperty("vocab", out var vocab) && vocab.ValueKind == JsonValueKind.Object)
        {
            foreach (var entry in vocab.EnumerateObject())
            {
                if (!entry.Value.TryGetInt32(out var value))
                    continue;
                largestId = Math.Max(largestId, value);
                if (entry.Name.Length > 2 && entry.Name.Length < 24 && LooksLikeMarker(entry.Name))
                    tokens.TryAdd(entry.Name, value);
            }
        }
        return (tokens, TokenHealing.FromTokenizerJson(tokenizer.RootElement), largestId, PatternGenAiRefuses(tokenizer.RootElement));
    }

    /// <summary>
    /// Split patterns the tokenizer of GenAI 0.18 (ONNX Runtime Extensions) refuses when the model loads, measured on
    /// DeepSeek-Coder's tokenizer.json ("Invalid regex: \s?\p{L}+"): it implements the patterns of GPT-2, Llama 3 and
    /// Qwen2 itself and hands others to std::regex, which knows no \p{…} classes. Found here so that `model verify`
    /// says so without loading anything.
    /// </summary>
    private static readonly string[] PreTokenizerPatternsGenAiRefuses = [@"\s?\p{L}+"];

    /// <summary>tokenizer_config.json's add_bos_token; false when absent or unreadable (GenAI reports a broken file itself).</summary>
    private static bool ReadsAddBosToken(string tokenizerConfigPath)
    {
        try
        {
            using var config = JsonDocument.Parse(File.ReadAllBytes(tokenizerConfigPath));
            return config.RootElement.ValueKind == JsonValueKind.Object && config.RootElement.TryGetProperty("add_bos_token", out var add)
                && add.ValueKind == JsonValueKind.True;
        }
        catch (Exception e) when (e is JsonException or IOException)
        {
            return false;
        }
    }

    private static string? PatternGenAiRefuses(JsonElement tokenizer)
    {
        if (!tokenizer.TryGetProperty("pre_tokenizer", out var pre) || pre.ValueKind != JsonValueKind.Object)
            return null;
        var steps = pre.TryGetProperty("pretokenizers", out var list) && list.ValueKind == JsonValueKind.Array
            ? [.. list.EnumerateArray()]
            : new List<JsonElement> { pre };
        foreach (var step in steps)
        {
            if (step.ValueKind == JsonValueKind.Object && step.TryGetProperty("pattern", out var pattern) && pattern.ValueKind == JsonValueKind.Object
                && pattern.TryGetProperty("Regex", out var regex) && regex.ValueKind == JsonValueKind.String
                && PreTokenizerPatternsGenAiRefuses.Contains(regex.GetString(), StringComparer.Ordinal))
            {
                return regex.GetString();
            }
        }
        return null;
    }

    /// <summary>
    /// The decoder's external data must be beside it and long enough: the model builder writes every weight into
    /// model.onnx.data, and copying only model.onnx (or an interrupted copy) is the usual way to break a folder.
    /// </summary>
    private static OnnxGraphSummary? CheckGraph(string path, string decoderFile, List<string> problems)
    {
        var graph = OnnxGraphSummary.Read(System.IO.Path.Combine(path, decoderFile));
        if (graph is null)
            return null;
        foreach (var (location, needed) in graph.ExternalDataBytes)
        {
            var dataPath = System.IO.Path.Combine(path, location);
            if (!File.Exists(dataPath))
            {
                problems.Add($"the weights file {location} that {decoderFile} refers to is missing in {path}; " +
                    $"copy it from the model's source together with {decoderFile} (the model builder writes both)");
            }
            else if (new FileInfo(dataPath).Length < needed)
            {
                problems.Add($"the weights file {location} in {path} is {new FileInfo(dataPath).Length:N0} bytes " +
                    $"but {decoderFile} reads up to byte {needed:N0}: " +
                    "it is truncated (the copy was probably interrupted); copy it again");
            }
        }
        return graph;
    }

    private static bool LooksLikeMarker(string token) =>
        (token[0] == '<' && token[^1] == '>') || (token.StartsWith(FimFormat.SentencePieceSpace + "<", StringComparison.Ordinal) && token[^1] == '>');
}

public sealed class ModelFolderException(string path, IReadOnlyList<string> problems)
    : Exception($"cannot use the model in {path}: {string.Join("; ", problems)}")
{
    public string FolderPath { get; } = path;
    public IReadOnlyList<string> Problems { get; } = problems;
}
