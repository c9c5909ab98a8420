namespace CodeAssist.Inference.Models;

/// <summary>
/// The <c>speculation</c> section of codeassist.json: how generation proposes several tokens that the model then
/// verifies in one pass (ONNX Runtime GenAI's speculative decoding). Greedy output is the model's own either way.
/// </summary>
public sealed record SpeculationSettings
{
    /// <summary>Plain decoding, one token per pass; also what switches speculation named in codeassist.json off.</summary>
    public static readonly SpeculationSettings Off = new();

    /// <summary>
    /// A draft model folder (absolute, or relative to the model's folder) that shares the model's tokenizer, such as
    /// Qwen2.5-Coder-0.5B beside 1.5B or 7B: it proposes, the model verifies.
    /// </summary>
    public string? DraftModel { get; init; }

    /// <summary>
    /// Prompt lookup: proposals are what followed the last few tokens where they occurred before in the prompt or
    /// the reply (GenAI's n-gram decoding). Needs no second model; code copies identifiers and expressions from the
    /// context, so it often pays there. Cannot be combined with <see cref="DraftModel"/>.
    /// </summary>
    public bool PromptLookup { get; init; }

    /// <summary>Tokens proposed per verification pass (GenAI's max_draft_tokens, 1–16); GenAI's default is 4.</summary>
    public int? MaxDraftTokens { get; init; }

    /// <summary>For prompt lookup: how many tokens a match covers, the proposal's own first token included (2–16; default 3).</summary>
    public int? NgramSize { get; init; }

    public const int MinDraftTokens = 1;
    public const int MaxDraftTokensLimit = 16;
    public const int DefaultNgramSize = 3;
    public const int DefaultPromptLookupDraftTokens = 8;
}

public enum SpeculationMode
{
    /// <summary>One token per pass of the model.</summary>
    None,

    /// <summary>A draft model proposes, the model verifies.</summary>
    DraftModel,

    /// <summary>Continuations of earlier occurrences in the prompt and reply are proposed, the model verifies.</summary>
    PromptLookup,
}

/// <summary>The speculation a loaded model runs with, resolved from its folder's settings.</summary>
/// <param name="Mode">What proposes the tokens.</param>
/// <param name="DraftFolder">The draft model's folder (draft mode).</param>
/// <param name="DraftName">The draft model's name, for status and doctor.</param>
/// <param name="MaxDraftTokens">Tokens proposed per verification pass; null leaves GenAI's default.</param>
/// <param name="NgramSize">Prompt lookup's match length.</param>
/// <param name="FromGenAiConfig">The draft is named in genai_config.json itself (a composite folder) rather than in codeassist.json.</param>
public sealed record Speculation(
    SpeculationMode Mode, string? DraftFolder, string? DraftName, int? MaxDraftTokens, int? NgramSize, bool FromGenAiConfig = false)
{
    public static readonly Speculation None = new(SpeculationMode.None, null, null, null, null);

    /// <summary>
    /// What is laid over the model's genai_config.json to run this speculation: the draft's decoder block (unless
    /// genai_config.json names it already) and GenAI's <c>speculative</c> options; null for plain decoding.
    /// </summary>
    public string? GenAiOverlay(string modelFolder)
    {
        if (Mode == SpeculationMode.None)
            return null;
        var overlay = Mode == SpeculationMode.DraftModel && !FromGenAiConfig
            ? DraftModelPair.DraftOverlay(modelFolder, DraftFolder!)
            : new System.Text.Json.Nodes.JsonObject();
        var options = new System.Text.Json.Nodes.JsonObject();
        if (MaxDraftTokens is { } k)
            options["max_draft_tokens"] = k;
        if (Mode == SpeculationMode.PromptLookup)
            options["ngram_size"] = NgramSize ?? SpeculationSettings.DefaultNgramSize;
        if (options.Count > 0)
            overlay["speculative"] = options;
        return overlay.ToJsonString();
    }

    /// <summary>One line for status, doctor and the bench.</summary>
    public string Describe() => Mode switch
    {
        SpeculationMode.DraftModel =>
            $"draft model {DraftName} " +
            $"({MaxDraftTokens?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "GenAI's default of 4"} tokens per step)",
        SpeculationMode.PromptLookup => $"prompt lookup ({NgramSize}-token matches, up to {MaxDraftTokens} tokens per step)",
        _ => "off",
    };
}
