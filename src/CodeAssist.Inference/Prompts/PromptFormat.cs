namespace CodeAssist.Inference.Prompts;

/// <summary>
/// How to talk to one model: its FIM spelling (absent for instruct-only models) and its chat template.
/// Chosen from codeassist.json when present, otherwise from the tokenizer's special tokens.
/// </summary>
public sealed record PromptFormat(FimFormat? Fim, ChatFormat Chat)
{
    public static PromptFormat Choose(IReadOnlySet<string> specialTokens, string? fimId = null, string? chatId = null) =>
        new(ChooseFim(specialTokens, fimId), ChooseChat(specialTokens, chatId));

    private static FimFormat? ChooseFim(IReadOnlySet<string> tokens, string? id)
    {
        if (id is not null)
            return id == "none" ? null : FimFormat.All.FirstOrDefault(f => f.Id == id)
                ?? throw new ArgumentException($"unknown promptFormat \"{id}\" in codeassist.json (known: {string.Join(", ", FimFormat.All.Select(f => f.Id))}, none)");
        if (tokens.Contains("▁<PRE>"))
            return FimFormat.CodeLlama;
        return FimFormat.All.FirstOrDefault(f => tokens.Contains(f.PrefixToken) && tokens.Contains(f.MiddleToken));
    }

    private static ChatFormat ChooseChat(IReadOnlySet<string> tokens, string? id)
    {
        if (id is not null)
            return ChatFormat.All.FirstOrDefault(f => f.Id == id)
                ?? throw new ArgumentException($"unknown chatFormat \"{id}\" in codeassist.json (known: {string.Join(", ", ChatFormat.All.Select(f => f.Id))})");
        if (tokens.Contains("<|im_start|>"))
            return ChatFormat.ChatMl;
        if (tokens.Contains("<|start_header_id|>"))
            return ChatFormat.Llama3;
        if (tokens.Contains("<|assistant|>") && tokens.Contains("<|end|>"))
            return ChatFormat.Phi3;
        // A base model without chat markers still follows a plain ChatML-shaped instruction reasonably well.
        return ChatFormat.ChatMl;
    }

    /// <summary>Every token that ends a reply for this model, FIM and chat alike.</summary>
    public IEnumerable<string> StopTokens => (Fim?.StopTokens ?? []).Concat(Chat.StopTokens).Distinct();
}
