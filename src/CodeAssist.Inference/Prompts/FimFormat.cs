using System.Text;

namespace CodeAssist.Inference.Prompts;

/// <summary>How a family was trained to see other files of the repository before the current one.</summary>
public enum RepositoryLayout
{
    /// <summary>No repository tokens: other files go into the prefix as line comments.</summary>
    Comments,

    /// <summary>
    /// Qwen2.5-Coder's repo-level FIM (technical report, figure 4): <c>&lt;|repo_name|&gt;name\n</c>, then
    /// <c>&lt;|file_sep|&gt;path\ncontent\n</c> per file, then <c>&lt;|file_sep|&gt;path\n</c> and the FIM markers.
    /// </summary>
    LinePerPath,

    /// <summary>
    /// StarCoder2's repository context (paper, section 5.1): <c>&lt;repo_name&gt;name&lt;file_sep&gt;path\ncontent</c>
    /// with no newline after the name or the content; the current file's path follows the prefix marker.
    /// </summary>
    PathAfterPrefixMarker,
}

/// <summary>Where the suffix goes (Bavarian et al. 2022, "Efficient Training of Language Models to Fill in the Middle").</summary>
public enum FimOrder
{
    /// <summary>Prefix, suffix, then the middle after the middle marker: what the families below were trained with.</summary>
    PrefixSuffixMiddle,

    /// <summary>
    /// The paper's SPM variant: prefix and suffix markers, the suffix, the middle marker, then the prefix, which the
    /// middle continues directly (<c>&lt;PRE&gt;&lt;SUF&gt;S&lt;MID&gt;P</c>). A prompt extended by typing then
    /// only grows at its end, and a small model continues the prefix with the skill plain text taught it.
    /// </summary>
    SuffixPrefixMiddle,
}

/// <summary>
/// A model family's fill-in-the-middle spelling, checked against each family's own documentation: the
/// Qwen2.5-Coder README and technical report, the DeepSeek-Coder README ("Code Insertion"), Meta's Code Llama
/// infilling format (<c>&lt;PRE&gt; P &lt;SUF&gt;S &lt;MID&gt;</c>) and the StarCoder2 paper.
/// </summary>
public sealed record FimFormat(
    string Id,
    string PrefixToken,
    string SuffixToken,
    string MiddleToken,
    IReadOnlyList<string> StopTokens,
    string? RepositoryToken = null,
    string? FileSeparatorToken = null)
{
    /// <summary>Text between the prefix marker and the prefix (Code Llama expects a space).</summary>
    public string PrefixPadding { get; init; } = "";

    /// <summary>Text between the prefix and the suffix marker (Code Llama expects a space).</summary>
    public string SuffixPadding { get; init; } = "";

    /// <summary>Text between the suffix and the middle marker (Code Llama expects a space).</summary>
    public string MiddlePadding { get; init; } = "";

    public RepositoryLayout Layout { get; init; } = RepositoryLayout.Comments;

    public FimOrder Order { get; init; } = FimOrder.PrefixSuffixMiddle;

    public bool HasRepositoryPrompt => Layout != RepositoryLayout.Comments && FileSeparatorToken is not null;

    /// <summary>The markers a tokenizer must know as single tokens for this format to mean anything to the model.</summary>
    public IEnumerable<string> RequiredTokens
    {
        get
        {
            yield return PrefixToken;
            yield return SuffixToken;
            yield return MiddleToken;
        }
    }

    public string Build(FimRequest request)
    {
        var prompt = new StringBuilder();
        var prefix = request.Prefix;
        var pathAfterPrefixMarker = "";
        var hasContext = request.ContextFiles.Count > 0 || request.FilePath is not null;
        switch (HasRepositoryPrompt ? Layout : RepositoryLayout.Comments)
        {
            case RepositoryLayout.LinePerPath when hasContext:
                if (RepositoryToken is not null && request.RepositoryName is not null)
                    prompt.Append(RepositoryToken).Append(request.RepositoryName).Append('\n');
                foreach (var file in request.ContextFiles)
                    prompt.Append(FileSeparatorToken).Append(file.Path).Append('\n').Append(file.Content).Append('\n');
                prompt.Append(FileSeparatorToken).Append(request.FilePath ?? "current").Append('\n');
                break;
            case RepositoryLayout.PathAfterPrefixMarker when hasContext:
                if (RepositoryToken is not null && request.RepositoryName is not null)
                    prompt.Append(RepositoryToken).Append(request.RepositoryName);
                foreach (var file in request.ContextFiles)
                    prompt.Append(FileSeparatorToken).Append(file.Path).Append('\n').Append(file.Content);
                prompt.Append(FileSeparatorToken);
                if (request.FilePath is not null)
                    pathAfterPrefixMarker = request.FilePath + "\n";
                break;
            case RepositoryLayout.Comments when request.ContextFiles.Count > 0:
                prefix = CommentedContext(request) + prefix;
                break;
        }

        if (Order == FimOrder.SuffixPrefixMiddle)
        {
            prompt.Append(PrefixToken).Append(PrefixPadding).Append(SuffixToken).Append(request.Suffix)
                  .Append(MiddlePadding).Append(MiddleToken).Append(pathAfterPrefixMarker).Append(prefix);
        }
        else
        {
            prompt.Append(PrefixToken).Append(PrefixPadding).Append(pathAfterPrefixMarker).Append(prefix)
                  .Append(SuffixPadding).Append(SuffixToken).Append(request.Suffix)
                  .Append(MiddlePadding).Append(MiddleToken);
        }
        return prompt.ToString();
    }

    /// <summary>The markers of <see cref="RequiredTokens"/> that <paramref name="tokens"/> lacks (Code Llama's may carry a leading ▁).</summary>
    public IReadOnlyList<string> MissingTokens(IReadOnlySet<string> tokens) =>
        [.. RequiredTokens.Where(token => !tokens.Contains(token) && !tokens.Contains(SentencePieceSpace + token))];

    /// <summary>This format without its repository tokens, for tokenizers that lack them (StarCoder 1, SantaCoder).</summary>
    public FimFormat WithoutRepositoryPrompt() => this with { RepositoryToken = null, FileSeparatorToken = null, Layout = RepositoryLayout.Comments };

    private static string CommentedContext(FimRequest request)
    {
        var context = new StringBuilder();
        foreach (var file in request.ContextFiles)
        {
            context.Append(request.LineComment).Append(" Context from ").Append(file.Path).Append(":\n");
            foreach (var line in file.Content.Split('\n'))
                context.Append(request.LineComment).Append(' ').Append(line.TrimEnd('\r')).Append('\n');
        }
        return context.ToString();
    }

    /// <summary>SentencePiece's word-boundary mark: Code Llama's vocabulary spells its markers "▁&lt;PRE&gt;".</summary>
    internal const string SentencePieceSpace = "\u2581";

    public static readonly FimFormat Qwen = new(
        "qwen", "<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>",
        ["<|endoftext|>", "<|fim_pad|>", "<|file_sep|>", "<|repo_name|>", "<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>", "<|im_end|>"],
        RepositoryToken: "<|repo_name|>", FileSeparatorToken: "<|file_sep|>")
    {
        Layout = RepositoryLayout.LinePerPath,
    };

    /// <summary>DeepSeek-Coder's markers use the full-width bar ｜ (U+FF5C) and ▁ (U+2581), not ASCII.</summary>
    public static readonly FimFormat DeepSeek = new(
        "deepseek", "<｜fim▁begin｜>", "<｜fim▁hole｜>", "<｜fim▁end｜>",
        ["<｜end▁of▁sentence｜>", "<｜fim▁begin｜>", "<｜fim▁hole｜>", "<｜fim▁end｜>", "<|EOT|>"]);

    /// <summary>
    /// Code Llama 7B/13B base: <c>&lt;PRE&gt; P &lt;SUF&gt;S &lt;MID&gt;</c>. The spaces stand for the ▁ that the
    /// vocabulary's "▁&lt;SUF&gt;" and "▁&lt;MID&gt;" carry and for SentencePiece's leading space before the prefix.
    /// </summary>
    public static readonly FimFormat CodeLlama = new(
        "codellama", "<PRE>", "<SUF>", "<MID>",
        ["<EOT>", "</s>"])
    {
        PrefixPadding = " ",
        SuffixPadding = " ",
        MiddlePadding = " ",
    };

    /// <summary>StarCoder2 (and StarCoder 1 without its repository tokens).</summary>
    public static readonly FimFormat StarCoder = new(
        "starcoder", "<fim_prefix>", "<fim_suffix>", "<fim_middle>",
        ["<|endoftext|>", "<file_sep>", "<fim_prefix>", "<fim_suffix>", "<fim_middle>", "<fim_pad>"],
        RepositoryToken: "<repo_name>", FileSeparatorToken: "<file_sep>")
    {
        Layout = RepositoryLayout.PathAfterPrefixMarker,
    };

    /// <summary>
    /// CodeAssist-Tiny's format: Qwen's markers and repository prompt in <see cref="FimOrder.SuffixPrefixMiddle"/>
    /// order. Only chosen by name (codeassist.json): a tokenizer with Qwen's markers is detected as Qwen.
    /// </summary>
    public static readonly FimFormat CodeAssist = Qwen with { Id = "codeassist", Order = FimOrder.SuffixPrefixMiddle };

    public static IReadOnlyList<FimFormat> All { get; } = [Qwen, DeepSeek, CodeLlama, StarCoder, CodeAssist];
}
