using System.Text.Json;
using System.Text.Json.Serialization;

namespace CodeAssist.Inference.Models;

/// <summary>
/// CodeAssist's own optional settings beside a model (codeassist.json). They live apart from genai_config.json
/// because GenAI rejects fields it does not know.
/// </summary>
public sealed record ModelSettings
{
    public static readonly ModelSettings Empty = new();

    /// <summary>Display name; defaults to the folder name.</summary>
    public string? Name { get; init; }

    /// <summary>
    /// FIM format id (qwen, deepseek, codellama, starcoder, codeassist, or none for instruction prompts); detected from the
    /// tokenizer when absent.
    /// </summary>
    public string? PromptFormat { get; init; }

    /// <summary>Chat template id (chatml, phi3, llama3, codeassist); detected from the tokenizer when absent.</summary>
    public string? ChatFormat { get; init; }

    /// <summary>Next-edit prompt format id (zeta, sweep, instinct, fim); FIM (the region as the middle) when absent.</summary>
    public string? NextEditFormat { get; init; }

    /// <summary>
    /// Whether FIM prompts heal the word at the cursor (<see cref="Prompts.TokenHealing"/>); on unless false. Off for
    /// models whose reply is fixed whatever the prompt's last word, like the test suite's scripted models.
    /// </summary>
    public bool? TokenHealing { get; init; }

    /// <summary>
    /// A team's inference server that serves this model (the <c>backend</c> object of the settings, relative paths
    /// taken from the folder): a team ships a folder that points at its server. Read by <see cref="ModelFolder.DeclaredBackend"/>.
    /// </summary>
    public JsonElement? Backend { get; init; }

    /// <summary>
    /// The LSP language ids the model completes (<see cref="ModelLanguages"/>), such as <c>["csharp"]</c> for a model
    /// trained on C# only; every language when absent.
    /// </summary>
    public IReadOnlyList<string>? Languages { get; init; }

    /// <summary>
    /// Where completion context that depends on the token at the cursor (members after a dot, overloads inside an
    /// argument list) goes: <c>aboveCursorLine</c> (the default: comment lines just above the cursor's line, so engines'
    /// prefix caches keep the file) or <c>beforeFile</c> (with the other files' context, for a model trained only on
    /// that layout, such as CodeAssist-Tiny).
    /// </summary>
    public string? CursorContext { get; init; }

    /// <summary>The values <see cref="CursorContext"/> may take.</summary>
    public static IReadOnlyList<string> CursorContextValues { get; } = ["aboveCursorLine", "beforeFile"];

    /// <summary>
    /// What a refactoring's prompt holds: <c>full</c> (the default: the rules of the job as a system turn, declarations
    /// from other files and the file around the code, then the task and the code) or <c>codeOnly</c> (the task and the
    /// code alone, for a small model trained on exactly that prompt, such as CodeAssist-Tiny: the context it cannot use
    /// would only take its window).
    /// </summary>
    public string? RefactoringPrompt { get; init; }

    /// <summary>The values <see cref="RefactoringPrompt"/> may take.</summary>
    public static IReadOnlyList<string> RefactoringPromptValues { get; } = ["full", "codeOnly"];

    /// <summary>Speculative decoding with a draft model or prompt lookup (<see cref="SpeculationSettings"/>); off when absent.</summary>
    public SpeculationSettings? Speculation { get; init; }

    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
    };

    /// <summary>Reads codeassist.json when present; throws <see cref="JsonException"/> when it is not valid.</summary>
    public static ModelSettings Read(string modelDirectory)
    {
        var path = Path.Combine(modelDirectory, ModelFolder.SettingsFile);
        return File.Exists(path) ? JsonSerializer.Deserialize<ModelSettings>(File.ReadAllText(path), Options) ?? Empty : Empty;
    }
}
