using System.Text;

namespace CodeAssist.Inference.Prompts;

/// <summary>
/// A chat template, written out as code so that prompts are exact and testable without a Jinja engine.
/// Used for instruct-only models and for refactorings. Every template ends where the assistant's reply begins.
/// </summary>
public sealed record ChatFormat(
    string Id,
    string SystemStart,
    string UserStart,
    string TurnEnd,
    string AssistantStart,
    IReadOnlyList<string> StopTokens,
    string? BeginText = null)
{
    /// <summary>Whether the template has a system turn; without one the system text opens the user turn.</summary>
    public bool HasSystemTurn => SystemStart.Length > 0;

    /// <summary>The markers a tokenizer must know as special tokens for the model to recognise the turns.</summary>
    public IReadOnlyList<string> RequiredTokens { get; init; } = [];

    public IReadOnlyList<string> MissingTokens(IReadOnlySet<string> tokens) => [.. RequiredTokens.Where(token => !tokens.Contains(token))];

    /// <summary>The prompt up to the assistant's reply; an empty <paramref name="system"/> is no system text at all.</summary>
    public string Build(string system, string user)
    {
        var prompt = new StringBuilder();
        prompt.Append(BeginText);
        if (system.Length == 0)
            prompt.Append(UserStart).Append(user);
        else if (HasSystemTurn)
            prompt.Append(SystemStart).Append(system).Append(TurnEnd).Append(UserStart).Append(user);
        else
            prompt.Append(UserStart).Append(system).Append("\n\n").Append(user);
        prompt.Append(TurnEnd).Append(AssistantStart);
        return prompt.ToString();
    }

    /// <summary>Qwen2.5 (and Qwen2.5-Coder-Instruct) chat template without its default system prompt.</summary>
    public static readonly ChatFormat ChatMl = new(
        "chatml", "<|im_start|>system\n", "<|im_start|>user\n", "<|im_end|>\n", "<|im_start|>assistant\n",
        ["<|im_end|>", "<|endoftext|>"])
    {
        RequiredTokens = ["<|im_start|>", "<|im_end|>"],
    };

    /// <summary>Phi-3, Phi-3.5 and Phi-4-mini: every turn, the system turn included, is closed by &lt;|end|&gt; and a newline.</summary>
    public static readonly ChatFormat Phi3 = new(
        "phi3", "<|system|>\n", "<|user|>\n", "<|end|>\n", "<|assistant|>\n",
        ["<|end|>", "<|endoftext|>"])
    {
        RequiredTokens = ["<|user|>", "<|assistant|>", "<|end|>"],
    };

    /// <summary>
    /// Llama 3, 3.1 and 3.2 instruct: headers, a blank line, and &lt;|eot_id|&gt; after each turn (3.1 may end a tool turn
    /// with &lt;|eom_id|&gt;).
    /// </summary>
    public static readonly ChatFormat Llama3 = new(
        "llama3", "<|start_header_id|>system<|end_header_id|>\n\n", "<|start_header_id|>user<|end_header_id|>\n\n", "<|eot_id|>",
        "<|start_header_id|>assistant<|end_header_id|>\n\n", ["<|eot_id|>", "<|eom_id|>", "<|end_of_text|>"], BeginText: "<|begin_of_text|>")
    {
        RequiredTokens = ["<|begin_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"],
    };

    /// <summary>
    /// The template of CodeAssist's own models: Phi-3's markers, but the prompt ends on the <c>&lt;|assistant|&gt;</c> token
    /// itself so the reply's first token follows a special token (the scripted test model anchors there).
    /// </summary>
    public static readonly ChatFormat CodeAssist = new(
        "codeassist", "", "<|user|>\n", "<|end|>\n", "<|assistant|>",
        ["<|end|>", "<|endoftext|>"])
    {
        RequiredTokens = ["<|user|>", "<|assistant|>", "<|end|>"],
    };

    public static IReadOnlyList<ChatFormat> All { get; } = [ChatMl, Phi3, Llama3, CodeAssist];
}
