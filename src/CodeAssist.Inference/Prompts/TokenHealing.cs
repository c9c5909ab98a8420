using System.Text.Json;
using System.Text.RegularExpressions;

namespace CodeAssist.Inference.Prompts;

/// <summary>
/// Token healing: a cursor in the middle of a word ("SetCache(ser|") leaves the prompt ending in a piece the model
/// never saw in training, because its tokenizer would have encoded the whole word ("serializedMessage") as other
/// tokens. The prefix is cut where the tokenizer's last word starts, and the reply must start with the cut text
/// (chosen token by token among those that agree with it), which is then removed from what the user sees.
/// The words are the tokenizer's own pre-tokenizer words, read from tokenizer.json; only byte-level BPE tokenizers
/// (GPT-2, Qwen, Llama 3, StarCoder, DeepSeek-Coder, ours) are healed, because their words are exact spans of text.
/// </summary>
public sealed class TokenHealing
{
    /// <summary>Longer last words (a long identifier, many blank lines) are left alone: the cut would cost too much context.</summary>
    public const int MaxHealedLength = 32;

    /// <summary>How much of the prefix's end the word pattern looks at: a word reaching back further is not healed.</summary>
    private const int Window = 256;

    /// <summary>GPT-2's pre-tokenizer, what a ByteLevel pre-tokenizer with use_regex applies.</summary>
    private const string Gpt2Words = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    public static readonly TokenHealing None = new(null);

    private readonly Regex? _words;

    public TokenHealing(Regex? words) => _words = words;

    public bool Enabled => _words is not null;

    /// <summary>
    /// The healing a tokenizer.json calls for: its Split pattern (Qwen, Llama 3, DeepSeek-Coder) or GPT-2's
    /// (ByteLevel with use_regex); <see cref="None"/> for SentencePiece tokenizers and anything not byte-level.
    /// </summary>
    public static TokenHealing FromTokenizerJson(JsonElement tokenizer)
    {
        if (tokenizer.ValueKind != JsonValueKind.Object || !tokenizer.TryGetProperty("pre_tokenizer", out var pre) || pre.ValueKind != JsonValueKind.Object)
            return None;
        var steps = Type(pre) == "Sequence" && pre.TryGetProperty("pretokenizers", out var list) && list.ValueKind == JsonValueKind.Array
            ? [.. list.EnumerateArray()]
            : new List<JsonElement> { pre };
        if (!steps.Any(step => Type(step) == "ByteLevel"))
            return None;
        var split = steps.FirstOrDefault(step => Type(step) == "Split");
        string? pattern = null;
        if (split.ValueKind == JsonValueKind.Object)
        {
            if (split.TryGetProperty("pattern", out var p) && p.ValueKind == JsonValueKind.Object && p.TryGetProperty("Regex", out var regex) && regex.ValueKind == JsonValueKind.String)
                pattern = regex.GetString();
            else
                return None;
        }
        else if (steps.Any(step => Type(step) == "ByteLevel" && step.TryGetProperty("use_regex", out var useRegex) && useRegex.ValueKind == JsonValueKind.True))
        {
            pattern = Gpt2Words;
        }
        if (pattern is null)
            return None;
        try
        {
            // The pattern comes from the model folder, so a match is bounded in time; the bound is wall-clock time,
            // which a loaded machine stretches, and a legitimate match over the 256-character window takes microseconds:
            // a tight bound would switch healing off (and change the reply) whenever the machine is busy.
            return new TokenHealing(new Regex(pattern, RegexOptions.CultureInvariant | RegexOptions.Compiled, TimeSpan.FromSeconds(2)));
        }
        catch (ArgumentException)
        {
            // A pattern .NET cannot read: complete without healing rather than refuse the model.
            return None;
        }
    }

    /// <summary>
    /// Splits <paramref name="prefix"/> into the part the prompt keeps and the last word the reply must begin with;
    /// the healed part is empty when healing is off or the last word is longer than <see cref="MaxHealedLength"/>.
    /// </summary>
    public (string Kept, string Healed) Split(string prefix)
    {
        if (_words is null || prefix.Length == 0)
            return (prefix, "");
        var start = Math.Max(0, prefix.Length - Window);
        var lastWordStart = -1;
        try
        {
            foreach (var match in _words.EnumerateMatches(prefix.AsSpan(start)))
                lastWordStart = start + match.Index;
        }
        catch (RegexMatchTimeoutException)
        {
            return (prefix, "");
        }
        // A word that starts at the window's edge may reach back further than the window shows.
        if (lastWordStart < 0 || (lastWordStart == start && start > 0) || prefix.Length - lastWordStart > MaxHealedLength)
            return (prefix, "");
        return (prefix[..lastWordStart], prefix[lastWordStart..]);
    }

    private static string? Type(JsonElement element) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String ? type.GetString() : null;
}
