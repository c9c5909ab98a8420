using System.Text.RegularExpressions;

namespace CodeAssist.ModelFactory.Tokenization;

/// <summary>A token matched whole before pre-tokenization (tokenizer.json's added_tokens), with Hugging Face's "special" flag.</summary>
public sealed record AddedToken(string Content, bool Special);

/// <summary>
/// Everything about a byte-level BPE tokenizer except its merges: the pre-tokenizer's word pattern and how
/// tokenizer.json states it, the normalizer, the added tokens with their ids, the vocabulary's padded size and
/// the files' class names. <see cref="CodeAssist"/> is our own small layout; <see cref="QwenCoder"/> is
/// Qwen2.5-Coder's, so that a model written with it meets the same ids, flags and vocabulary size as the real one.
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

    private TokenizerLayout(string name, string wordPattern, bool splitPreTokenizer, bool nfcNormalizer, int? regularTokenCount, IReadOnlyList<AddedToken> addedTokens, int? embeddingRows, string tokenizerClass, string? bosToken, string eosToken)
    {
        Name = name;
        WordPattern = wordPattern;
        Words = new Regex(wordPattern, RegexOptions.CultureInvariant | RegexOptions.Compiled);
        SplitPreTokenizer = splitPreTokenizer;
        NfcNormalizer = nfcNormalizer;
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
        "codeassist", Gpt2WordPattern, splitPreTokenizer: false, nfcNormalizer: false, regularTokenCount: null,
        [.. new[] { "<|endoftext|>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>", "<|fim_pad|>", "<|repo_name|>", "<|file_sep|>", "<|user|>", "<|assistant|>", "<|end|>" }.Select(token => new AddedToken(token, Special: true))],
        embeddingRows: null, tokenizerClass: "GPT2Tokenizer", bosToken: "<|endoftext|>", eosToken: "<|endoftext|>");

    /// <summary>
    /// Qwen2.5-Coder's (tokenizer.json and tokenizer_config.json of Qwen/Qwen2.5-Coder-1.5B): NFC normalizer, a
    /// Split pre-tokenizer with Qwen2's pattern then ByteLevel without regex, 151,643 regular ids, the 22 added
    /// tokens from id 151,643 with their real flags (the tool-call, FIM and repository markers are not "special"),
    /// and 151,936 embedding rows.
    /// </summary>
    public static TokenizerLayout QwenCoder { get; } = new(
        "qwen2.5-coder", Qwen2WordPattern, splitPreTokenizer: true, nfcNormalizer: true, regularTokenCount: QwenRegularTokenCount,
        [
            new("<|endoftext|>", true), new("<|im_start|>", true), new("<|im_end|>", true), new("<|object_ref_start|>", true),
            new("<|object_ref_end|>", true), new("<|box_start|>", true), new("<|box_end|>", true), new("<|quad_start|>", true),
            new("<|quad_end|>", true), new("<|vision_start|>", true), new("<|vision_end|>", true), new("<|vision_pad|>", true),
            new("<|image_pad|>", true), new("<|video_pad|>", true), new("<tool_call>", false), new("</tool_call>", false),
            new("<|fim_prefix|>", false), new("<|fim_middle|>", false), new("<|fim_suffix|>", false), new("<|fim_pad|>", false),
            new("<|repo_name|>", false), new("<|file_sep|>", false),
        ],
        embeddingRows: QwenEmbeddingRows, tokenizerClass: "Qwen2Tokenizer", bosToken: null, eosToken: "<|endoftext|>");

    public string Name { get; }

    /// <summary>The pre-tokenizer's word pattern (.NET syntax, the same text tokenizer.json carries).</summary>
    public string WordPattern { get; }

    internal Regex Words { get; }

    /// <summary>True: tokenizer.json states the pattern as a Split step before ByteLevel (Qwen, Llama 3); false: ByteLevel with use_regex (GPT-2).</summary>
    public bool SplitPreTokenizer { get; }

    public bool NfcNormalizer { get; }

    /// <summary>Regular (BPE) ids padded to this count with reserved tokens, so added tokens get their real ids; null: no padding.</summary>
    public int? RegularTokenCount { get; }

    public IReadOnlyList<AddedToken> AddedTokens { get; }

    /// <summary>The model's vocabulary size when larger than the tokenizer's ids (padding rows); null: equal.</summary>
    public int? EmbeddingRows { get; }

    public string TokenizerClass { get; }

    public string? BosToken { get; }

    public string EosToken { get; }

    public List<string> Split(string text)
    {
        var words = new List<string>();
        foreach (var match in Words.EnumerateMatches(text))
        {
            words.Add(text.Substring(match.Index, match.Length));
        }
        return words;
    }
}
