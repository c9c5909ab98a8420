using System.Text.RegularExpressions;

namespace CodeAssist.ModelFactory.Tokenization;

/// <summary>
/// A token matched whole before pre-tokenization (tokenizer.json's added_tokens), with Hugging Face's "special" flag and
/// its "normalized" flag (DeepSeek-Coder's are matched in the normalized text, Qwen's in the raw text).
/// </summary>
public sealed record AddedToken(string Content, bool Special, bool Normalized = false);

/// <summary>Which family's file conventions tokenizer.json and tokenizer_config.json follow, beyond the fields every layout has.</summary>
public enum TokenizerStyle
{
    /// <summary>Ours: GPT-2's ByteLevel pre-tokenizer with use_regex, GPT2Tokenizer.</summary>
    Gpt2,

    /// <summary>Qwen2.5-Coder's: NFC normalizer, one Split then ByteLevel, Qwen2Tokenizer, no begin-of-text token.</summary>
    Qwen2,

    /// <summary>
    /// DeepSeek-Coder's (LlamaTokenizerFast over a byte-level BPE): an empty normalizer Sequence, four Splits, Digits,
    /// ByteLevel, a TemplateProcessing post-processor that puts &lt;｜begin▁of▁sentence｜&gt; first, add_bos_token true.
    /// </summary>
    DeepSeekCoder,
}

/// <summary>
/// Everything about a byte-level BPE tokenizer except its merges: the pre-tokenizer's steps and how tokenizer.json
/// states them, the normalizer, the added tokens with their ids, the vocabulary's padded size and the files' class
/// names. <see cref="CodeAssist"/> is our own small layout; <see cref="QwenCoder"/> and <see cref="DeepSeekCoder"/> are
/// the families', so that a model written with one meets the same ids, flags, words and vocabulary size as the real one.
/// </summary>
public sealed class TokenizerLayout
{
    /// <summary>GPT-2's pattern, what ByteLevel with use_regex applies.</summary>
    public const string Gpt2WordPattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    /// <summary>Qwen2's Split pattern (tokenizer.json of Qwen2.5 and Qwen2.5-Coder): digits one by one, newlines kept together.</summary>
    public const string Qwen2WordPattern = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    /// <summary>The id of Qwen2.5-Coder's first added token, &lt;|endoftext|&gt;: its regular vocabulary has 151,643 tokens.</summary>
    public const int QwenRegularTokenCount = 151_643;

    /// <summary>Qwen2.5-Coder's embedding and logits width (config.json vocab_size): the vocabulary padded to a multiple of 128.</summary>
    public const int QwenEmbeddingRows = 151_936;

    /// <summary>Single characters DeepSeek-Coder's tokenizer.json lists as added (not special) tokens before its markers.</summary>
    private static readonly string[] DeepSeekCoderAddedCharacters = ["õ", "÷", "Á", "ý", "À", "ÿ", "ø", "ú", "þ", "ü", "ù", "ö", "û"];

    /// <summary>
    /// DeepSeek-Coder's Split patterns in order (tokenizer.json of deepseek-ai/deepseek-coder-1.3b/6.7b; llama.cpp's
    /// "deepseek-coder" pre-tokenizer lists the same): each newline alone, letters with at most one whitespace before
    /// them, punctuation (\p{P}, so '=' or '+' stay with the spaces around them) likewise, and runs of CJK ideographs
    /// and Hangul (whose range U+0800–U+4E00 also takes Hiragana, Katakana and CJK punctuation); Digits then isolates
    /// each digit.
    /// </summary>
    public static readonly IReadOnlyList<string> DeepSeekCoderSplitPatterns = ["[\r\n]", @"\s?\p{L}+", @"\s?\p{P}+", "[一-龥ࠀ-一가-퟿]+"];

    /// <summary>DeepSeek-Coder's regular (BPE) ids: its first added token is id 32,000.</summary>
    public const int DeepSeekCoderRegularTokenCount = 32_000;

    /// <summary>DeepSeek-Coder 1.3B/6.7B's embedding and logits width (config.json vocab_size).</summary>
    public const int DeepSeekCoderEmbeddingRows = 32_256;

    private readonly IReadOnlyList<Regex> _splits;
    private readonly Regex _gpt2Words;

    private TokenizerLayout(string name, TokenizerStyle style, IReadOnlyList<string> splitPatterns, bool individualDigits, int? regularTokenCount,
        IReadOnlyList<AddedToken> addedTokens, int? embeddingRows, string tokenizerClass, string? bosToken, string eosToken, bool byteLevelRegex = false)
    {
        ByteLevelRegex = byteLevelRegex || splitPatterns.Count == 0;
        Name = name;
        Style = style;
        SplitPatterns = splitPatterns;
        IndividualDigits = individualDigits;
        _splits = [.. splitPatterns.Select(pattern => new Regex(pattern, RegexOptions.CultureInvariant | RegexOptions.Compiled))];
        _gpt2Words = new Regex(Gpt2WordPattern, RegexOptions.CultureInvariant | RegexOptions.Compiled);
        RegularTokenCount = regularTokenCount;
        AddedTokens = addedTokens;
        EmbeddingRows = embeddingRows;
        TokenizerClass = tokenizerClass;
        BosToken = bosToken;
        EosToken = eosToken;
    }

    /// <summary>
    /// Ours: GPT-2's pre-tokenizer inside ByteLevel, no normalizer, the added tokens right after the trained ones
    /// (end of text, Qwen2.5-Coder's FIM and repository markers, chat turns), every id a model row.
    /// </summary>
    public static TokenizerLayout CodeAssist { get; } = new(
        "codeassist", TokenizerStyle.Gpt2, splitPatterns: [], individualDigits: false, regularTokenCount: null,
        [
            .. new[]
            {
                "<|endoftext|>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>", "<|fim_pad|>", "<|repo_name|>", "<|file_sep|>",
                "<|user|>", "<|assistant|>", "<|end|>",
            }.Select(token => new AddedToken(token, Special: true)),
        ],
        embeddingRows: null, tokenizerClass: "GPT2Tokenizer", bosToken: "<|endoftext|>", eosToken: "<|endoftext|>");

    /// <summary>
    /// Qwen2.5-Coder's (tokenizer.json and tokenizer_config.json of Qwen/Qwen2.5-Coder-1.5B): NFC normalizer, a
    /// Split pre-tokenizer with Qwen2's pattern then ByteLevel without regex, 151,643 regular ids, the 22 added
    /// tokens from id 151,643 with their real flags (the tool-call, FIM and repository markers are not "special"),
    /// and 151,936 embedding rows.
    /// </summary>
    public static TokenizerLayout QwenCoder { get; } = new(
        "qwen2.5-coder", TokenizerStyle.Qwen2, splitPatterns: [Qwen2WordPattern], individualDigits: false, regularTokenCount: QwenRegularTokenCount,
        [
            new("<|endoftext|>", true), new("<|im_start|>", true), new("<|im_end|>", true), new("<|object_ref_start|>", true),
            new("<|object_ref_end|>", true), new("<|box_start|>", true), new("<|box_end|>", true), new("<|quad_start|>", true),
            new("<|quad_end|>", true), new("<|vision_start|>", true), new("<|vision_end|>", true), new("<|vision_pad|>", true),
            new("<|image_pad|>", true), new("<|video_pad|>", true), new("<tool_call>", false), new("</tool_call>", false),
            new("<|fim_prefix|>", false), new("<|fim_middle|>", false), new("<|fim_suffix|>", false), new("<|fim_pad|>", false),
            new("<|repo_name|>", false), new("<|file_sep|>", false),
        ],
        embeddingRows: QwenEmbeddingRows, tokenizerClass: "Qwen2Tokenizer", bosToken: null, eosToken: "<|endoftext|>");

    /// <summary>
    /// DeepSeek-Coder's layout (tokenizer.json and tokenizer_config.json of deepseek-ai/deepseek-coder-1.3b-base and
    /// 6.7b): its Sequence pre-tokenizer (<see cref="DeepSeekCoderSplitPatterns"/>, then Digits one by one, then
    /// ByteLevel without regex), 32,000 regular ids, then 22 added tokens with their real ids and flags: the 13
    /// byte-level characters of the bytes UTF-8 never uses (õ ÷ Á ý À ÿ ø ú þ ü ù ö û, which its BPE vocabulary lacks),
    /// &lt;｜begin▁of▁sentence｜&gt; 32,013 and &lt;｜end▁of▁sentence｜&gt; 32,014 (special), the FIM markers
    /// &lt;｜fim▁hole｜&gt; 32,015, &lt;｜fim▁begin｜&gt; 32,016 and &lt;｜fim▁end｜&gt; 32,017, &lt;pad&gt;, &lt;|User|&gt;,
    /// &lt;|Assistant|&gt; and &lt;|EOT|&gt; 32,021 (special); and 32,256 embedding rows. The markers use the full-width
    /// bar ｜ (U+FF5C) and ▁ (U+2581).
    /// </summary>
    public static TokenizerLayout DeepSeekCoder { get; } = DeepSeekCoderWith("deepseek-coder", DeepSeekCoderSplitPatterns, byteLevelRegex: false);

    /// <summary>
    /// <see cref="DeepSeekCoder"/> with the one change that lets GenAI 0.18's tokenizer read it: its Splits are patterns
    /// ONNX Runtime Extensions does not implement itself (\s?\p{L}+ is refused, "Invalid regex"; [\r\n] and the CJK class
    /// go to std::regex, which then throws on an emoji), so the Digits step is followed by GPT-2's words inside ByteLevel
    /// (StarCoder's pre-tokenizer). Everything else (added tokens, ids, sizes, tokenizer_config.json, add_bos_token) is
    /// DeepSeek-Coder's: for tests of the pipeline through GenAI with DeepSeek-Coder's markers and vocabulary. Not a
    /// tokenizer any model was trained with.
    /// </summary>
    public static TokenizerLayout DeepSeekCoderReadableByGenAi { get; } = DeepSeekCoderWith("deepseek-coder-genai", [], byteLevelRegex: true);

    private static TokenizerLayout DeepSeekCoderWith(string name, IReadOnlyList<string> splitPatterns, bool byteLevelRegex) => new(
        name, TokenizerStyle.DeepSeekCoder, splitPatterns, individualDigits: true, regularTokenCount: DeepSeekCoderRegularTokenCount,
        [
            .. DeepSeekCoderAddedCharacters.Select(character => new AddedToken(character, Special: false, Normalized: true)),
            new("<｜begin▁of▁sentence｜>", true, true), new("<｜end▁of▁sentence｜>", true, true), new("<｜fim▁hole｜>", false, true),
            new("<｜fim▁begin｜>", false, true), new("<｜fim▁end｜>", false, true), new("<pad>", false, true), new("<|User|>", false, true),
            new("<|Assistant|>", false, true), new("<|EOT|>", true, true),
        ],
        embeddingRows: DeepSeekCoderEmbeddingRows, tokenizerClass: "LlamaTokenizerFast",
        bosToken: "<｜begin▁of▁sentence｜>", eosToken: "<｜end▁of▁sentence｜>", byteLevelRegex);

    public string Name { get; }

    public TokenizerStyle Style { get; }

    /// <summary>
    /// The pre-tokenizer's Split patterns in order (.NET syntax, the same text tokenizer.json carries), each applied
    /// to the pieces the one before left; empty for GPT-2's ByteLevel with use_regex.
    /// </summary>
    public IReadOnlyList<string> SplitPatterns { get; }

    /// <summary>A Digits step with individual_digits follows the Splits (DeepSeek-Coder).</summary>
    public bool IndividualDigits { get; }

    /// <summary>ByteLevel applies GPT-2's words (use_regex) last: ours, and the GenAI-readable DeepSeek-Coder variant.</summary>
    public bool ByteLevelRegex { get; }

    /// <summary>Qwen2.5-Coder normalizes to NFC before anything else.</summary>
    public bool NfcNormalizer => Style == TokenizerStyle.Qwen2;

    /// <summary>Regular (BPE) ids padded to this count with reserved tokens, so added tokens get their real ids; null: no padding.</summary>
    public int? RegularTokenCount { get; }

    public IReadOnlyList<AddedToken> AddedTokens { get; }

    /// <summary>The model's vocabulary size when larger than the tokenizer's ids (padding rows); null: equal.</summary>
    public int? EmbeddingRows { get; }

    public string TokenizerClass { get; }

    public string? BosToken { get; }

    public string EosToken { get; }

    /// <summary>
    /// The pre-tokenizer's words, as Hugging Face's tokenizers make them: each Split isolates its pattern's matches
    /// within every piece the steps before it left (never across a piece's edges), then Digits isolates each digit.
    /// </summary>
    public List<string> Split(string text)
    {
        if (_splits.Count == 0 && !IndividualDigits)
        {
            var words = new List<string>();
            foreach (var match in _gpt2Words.EnumerateMatches(text))
            {
                words.Add(text.Substring(match.Index, match.Length));
            }
            return words;
        }
        var pieces = new List<(int Start, int End)> { (0, text.Length) };
        foreach (var split in _splits)
        {
            var next = new List<(int Start, int End)>(pieces.Count * 2);
            foreach (var (start, end) in pieces)
            {
                var previous = start;
                foreach (var match in split.EnumerateMatches(text.AsSpan(start, end - start)))
                {
                    if (match.Length == 0)
                    {
                        continue;
                    }
                    if (start + match.Index > previous)
                    {
                        next.Add((previous, start + match.Index));
                    }
                    next.Add((start + match.Index, start + match.Index + match.Length));
                    previous = start + match.Index + match.Length;
                }
                if (previous < end)
                {
                    next.Add((previous, end));
                }
            }
            pieces = next;
        }
        var result = new List<string>(pieces.Count);
        foreach (var (start, end) in pieces)
        {
            if (!IndividualDigits)
            {
                result.Add(text[start..end]);
                continue;
            }
            var previous = start;
            for (var index = start; index < end;)
            {
                System.Text.Rune.DecodeFromUtf16(text.AsSpan(index, end - index), out var rune, out var length);
                length = Math.Max(1, length);
                if (System.Text.Rune.IsNumber(rune))
                {
                    if (index > previous)
                    {
                        result.Add(text[previous..index]);
                    }
                    result.Add(text.Substring(index, length));
                    previous = index + length;
                }
                index += length;
            }
            if (previous < end)
            {
                result.Add(text[previous..end]);
            }
        }
        if (!ByteLevelRegex)
        {
            return result;
        }
        var byteLevelWords = new List<string>(result.Count);
        foreach (var piece in result)
        {
            foreach (var match in _gpt2Words.EnumerateMatches(piece))
            {
                byteLevelWords.Add(piece.Substring(match.Index, match.Length));
            }
        }
        return byteLevelWords;
    }
}
