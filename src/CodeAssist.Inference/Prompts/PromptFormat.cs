using System.Text;

namespace CodeAssist.Inference.Prompts;

/// <summary>
/// How to talk to one model: its FIM spelling (absent for instruct-only models) and its chat template.
/// Chosen from codeassist.json when present, otherwise from the tokenizer's special tokens.
/// </summary>
public sealed record PromptFormat(FimFormat? Fim, ChatFormat Chat)
{
    /// <summary>Marks the cursor in instruction prompts for models without FIM.</summary>
    public const string CursorMarker = "<CURSOR>";

    /// <summary>How next-edit prompts are spelled for this model (codeassist.json's nextEditFormat; FIM otherwise).</summary>
    public NextEditFormat NextEdit { get; init; } = NextEditFormat.FillInTheMiddle;

    /// <summary>What instruction-only models are told when they stand in for a FIM model.</summary>
    public const string CompletionInstruction =
        "You complete code. Reply with only the code that replaces " + CursorMarker + ", without explanations or code fences.";

    /// <summary>Chooses the format; throws <see cref="ArgumentException"/> naming every problem with the requested ids.</summary>
    public static PromptFormat Choose(IReadOnlySet<string> specialTokens, string? fimId = null, string? chatId = null)
    {
        var problems = new List<string>();
        return TryChoose(specialTokens, fimId, chatId, problems) ?? throw new ArgumentException(string.Join("; ", problems));
    }

    /// <summary>
    /// Chooses the format, or returns null after adding a sentence per problem: an unknown id, or a requested
    /// format whose markers the tokenizer lacks (the model would read them as plain text and was never trained on them).
    /// </summary>
    public static PromptFormat? TryChoose(IReadOnlySet<string> specialTokens, string? fimId, string? chatId, ICollection<string> problems)
    {
        var before = problems.Count;
        var fim = ChooseFim(specialTokens, fimId, problems);
        var chat = ChooseChat(specialTokens, chatId, problems);
        return problems.Count == before ? new PromptFormat(fim, chat!) : null;
    }

    private static FimFormat? ChooseFim(IReadOnlySet<string> tokens, string? id, ICollection<string> problems)
    {
        if (id is null)
            return FimFormat.All.FirstOrDefault(f => f.MissingTokens(tokens).Count == 0) is { } detected ? FitRepositoryTokens(detected, tokens) : null;
        if (id == "none")
            return null;
        var requested = FimFormat.All.FirstOrDefault(f => f.Id == id);
        if (requested is null)
        {
            problems.Add($"promptFormat \"{id}\" is unknown (known: {string.Join(", ", FimFormat.All.Select(f => f.Id))}, none); " +
                         "correct it, or remove it to detect the format from the tokenizer");
            return null;
        }
        var missing = requested.MissingTokens(tokens);
        if (missing.Count > 0)
        {
            problems.Add($"promptFormat \"{id}\" needs the FIM tokens {string.Join(" ", requested.RequiredTokens)} " +
                         $"but the tokenizer lacks {string.Join(" ", missing)}, so the model was not trained for that format; " +
                         "set promptFormat to the model's own format, to \"none\" for instruction prompts, or remove it to detect the format");
            return null;
        }
        return FitRepositoryTokens(requested, tokens);
    }

    /// <summary>Drops repository tokens the tokenizer does not have (StarCoder 1 has FIM tokens but no &lt;file_sep&gt;).</summary>
    private static FimFormat FitRepositoryTokens(FimFormat format, IReadOnlySet<string> tokens)
    {
        if (format.FileSeparatorToken is { } separator && !tokens.Contains(separator))
            return format.WithoutRepositoryPrompt();
        if (format.RepositoryToken is { } repository && !tokens.Contains(repository))
            return format with { RepositoryToken = null };
        return format;
    }

    private static ChatFormat? ChooseChat(IReadOnlySet<string> tokens, string? id, ICollection<string> problems)
    {
        if (id is null)
        {
            if (tokens.Contains("<|im_start|>"))
                return ChatFormat.ChatMl;
            if (tokens.Contains("<|start_header_id|>"))
                return ChatFormat.Llama3;
            if (tokens.Contains("<|assistant|>") && tokens.Contains("<|end|>"))
                return ChatFormat.Phi3;
            // A base model without chat markers still follows a plain ChatML-shaped instruction reasonably well.
            return ChatFormat.ChatMl;
        }
        var requested = ChatFormat.All.FirstOrDefault(f => f.Id == id);
        if (requested is null)
        {
            problems.Add($"chatFormat \"{id}\" is unknown (known: {string.Join(", ", ChatFormat.All.Select(f => f.Id))}); " +
                         "correct it, or remove it to detect the template from the tokenizer");
            return null;
        }
        var missing = requested.MissingTokens(tokens);
        if (missing.Count > 0)
        {
            problems.Add($"chatFormat \"{id}\" needs the tokens {string.Join(" ", requested.RequiredTokens)} " +
                         $"but the tokenizer lacks {string.Join(" ", missing)}; " +
                         "set chatFormat to the model's own template, or remove it to detect the template");
            return null;
        }
        return requested;
    }

    /// <summary>Every token that ends a reply for this model, FIM and chat alike.</summary>
    public IEnumerable<string> StopTokens => (Fim?.StopTokens ?? []).Concat(Chat.StopTokens).Distinct();

    /// <summary>
    /// The prompt for an inline completion: the family's FIM prompt, or, for instruction-only models, the same
    /// context as an instruction whose reply is the code at <see cref="CursorMarker"/>.
    /// </summary>
    public string BuildCompletion(FimRequest request)
    {
        if (Fim is not null)
            return Fim.Build(request);
        var user = new StringBuilder();
        foreach (var file in request.ContextFiles)
            user.Append("Context from ").Append(file.Path).Append(":\n").Append(file.Content).Append(file.Content.EndsWith('\n') ? "" : "\n").Append('\n');
        if (request.FilePath is not null)
            user.Append("Complete ").Append(request.FilePath).Append(":\n");
        user.Append(request.Prefix).Append(CursorMarker).Append(request.Suffix);
        return Chat.Build(CompletionInstruction, user.ToString());
    }
}
