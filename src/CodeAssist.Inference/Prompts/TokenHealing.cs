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

    public static readonly TokenHealing None = new(null);

    private readonly PreTokenizerWords? _words;

    private TokenHealing(PreTokenizerWords? words) => _words = words;

    public bool Enabled => _words is not null;

    /// <summary>The pre-tokenizer steps the cut follows, for `model verify` ("Split x4, Digits (each digit)"); "off" when not healing.</summary>
    public string Description => _words?.Description ?? "off";

    /// <summary>
    /// The healing a tokenizer.json calls for: the words of its whole pre-tokenizer, every Split, Digits and ByteLevel
    /// step in order (Qwen, Llama 3, DeepSeek-Coder, StarCoder, GPT-2); <see cref="None"/> for SentencePiece
    /// tokenizers and anything not byte-level.
    /// </summary>
    public static TokenHealing FromTokenizerJson(JsonElement tokenizer) =>
        tokenizer.ValueKind == JsonValueKind.Object && tokenizer.TryGetProperty("pre_tokenizer", out var pre) && pre.ValueKind == JsonValueKind.Object
            && PreTokenizerWords.FromTokenizerJson(pre) is { } words
            ? new TokenHealing(words)
            : None;

    /// <summary>
    /// Splits <paramref name="prefix"/> into the part the prompt keeps and the last word the reply must begin with;
    /// the healed part is empty when healing is off or the last word is longer than <see cref="MaxHealedLength"/>.
    /// </summary>
    public (string Kept, string Healed) Split(string prefix)
    {
        if (_words is null || prefix.Length == 0)
            return (prefix, "");
        var start = Math.Max(0, prefix.Length - Window);
        int lastWordStart;
        try
        {
            lastWordStart = _words.LastWordStart(prefix, start);
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
}
