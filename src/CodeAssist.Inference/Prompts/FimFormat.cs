using System.Text;

namespace CodeAssist.Inference.Prompts;

/// <summary>
/// A model family's fill-in-the-middle spelling. Families trained with repository-level prompts
/// (Qwen2.5-Coder, StarCoder2) get other files as pseudo-files before the current one; the others get them
/// as comments at the top of the prefix.
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
    /// <summary>Text between the prefix marker and the prefix (CodeLlama expects a space).</summary>
    public string PrefixPadding { get; init; } = "";

    /// <summary>Text between the suffix and the middle marker (CodeLlama expects a space).</summary>
    public string MiddlePadding { get; init; } = "";

    public bool HasRepositoryPrompt => FileSeparatorToken is not null;

    public string Build(FimRequest request)
    {
        var prompt = new StringBuilder();
        var prefix = request.Prefix;
        if (HasRepositoryPrompt)
        {
            if (request.ContextFiles.Count > 0 || request.FilePath is not null)
            {
                if (RepositoryToken is not null && request.RepositoryName is not null)
                    prompt.Append(RepositoryToken).Append(request.RepositoryName).Append('\n');
                foreach (var file in request.ContextFiles)
                    prompt.Append(FileSeparatorToken).Append(file.Path).Append('\n').Append(file.Content).Append('\n');
                prompt.Append(FileSeparatorToken).Append(request.FilePath ?? "current").Append('\n');
            }
        }
        else if (request.ContextFiles.Count > 0)
        {
            prefix = CommentedContext(request) + prefix;
        }

        prompt.Append(PrefixToken).Append(PrefixPadding).Append(prefix)
              .Append(SuffixToken).Append(request.Suffix).Append(MiddlePadding)
              .Append(MiddleToken);
        return prompt.ToString();
    }

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

    public static readonly FimFormat Qwen = new(
        "qwen", "<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>",
        ["<|endoftext|>", "<|fim_pad|>", "<|file_sep|>", "<|repo_name|>", "<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>", "<|im_end|>"],
        RepositoryToken: "<|repo_name|>", FileSeparatorToken: "<|file_sep|>");

    public static readonly FimFormat DeepSeek = new(
        "deepseek", "<｜fim▁begin｜>", "<｜fim▁hole｜>", "<｜fim▁end｜>",
        ["<｜end▁of▁sentence｜>", "<｜fim▁begin｜>", "<｜fim▁hole｜>", "<｜fim▁end｜>", "<|EOT|>"]);

    public static readonly FimFormat CodeLlama = new(
        "codellama", "<PRE>", "<SUF>", "<MID>",
        ["<EOT>", "</s>"])
    {
        PrefixPadding = " ",
        MiddlePadding = " ",
    };

    public static readonly FimFormat StarCoder = new(
        "starcoder", "<fim_prefix>", "<fim_suffix>", "<fim_middle>",
        ["<|endoftext|>", "<file_sep>", "<fim_prefix>", "<fim_suffix>", "<fim_middle>", "<fim_pad>"],
        RepositoryToken: "<repo_name>", FileSeparatorToken: "<file_sep>");

    public static IReadOnlyList<FimFormat> All { get; } = [Qwen, DeepSeek, CodeLlama, StarCoder];
}
