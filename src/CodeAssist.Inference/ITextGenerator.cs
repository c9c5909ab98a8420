using CodeAssist.Inference.Generation;
using CodeAssist.Inference.Models;
using CodeAssist.Inference.Prompts;

namespace CodeAssist.Inference;

/// <summary>
/// What the engine asks of a model: its prompt format and window, token counts for budgeting context, and generated
/// text for a prompt, streamed, with cancellation, deadline, stop strings, healing and KV prefix reuse as the request
/// says. <see cref="LanguageModel"/> implements it in-process with ONNX Runtime GenAI; a backend on a team's inference
/// server implements the same contract over HTTP, so nothing above this layer knows which one runs.
/// </summary>
public interface ITextGenerator
{
    /// <summary>The model's name, for status and messages.</summary>
    string Name { get; }

    /// <summary>Where generation runs, for status UIs and logs: "CPU", "GPU (CUDA)" or "llamacpp at https://gpu01:8080".</summary>
    string Backend { get; }

    /// <summary>A sentence saying what is wrong with the backend right now (a team server's last fault); null when healthy.</summary>
    string? Problem => null;

    /// <summary>Raised when <see cref="Problem"/> changes, so status UIs follow a server going down and coming back.</summary>
    event Action? ProblemChanged
    {
        add { }
        remove { }
    }

    /// <summary>The languages the model completes (a model folder's codeassist.json <c>languages</c>); all unless it says.</summary>
    ModelLanguages Languages => ModelLanguages.All;

    /// <summary>
    /// Whether context that depends on the token at the cursor goes as comment lines above the cursor's line (true,
    /// the default) or before the file with the other files' context (codeassist.json <c>cursorContext: "beforeFile"</c>).
    /// </summary>
    bool CursorContextAboveCursorLine => true;

    /// <summary>
    /// Whether a refactoring sends the task and the code alone, without rules or context (codeassist.json
    /// <c>refactoringPrompt: "codeOnly"</c>, for a small model trained on that prompt); false: the full prompt.
    /// </summary>
    bool RefactoringPromptCodeOnly => false;

    /// <summary>Counts finished generations (for local stats and tests that must know whether the model ran).</summary>
    int GenerationCount { get; }

    PromptFormat Format { get; }

    /// <summary>Where a prompt that ends inside a word is cut (<see cref="TokenHealing.None"/> when the backend cannot heal).</summary>
    TokenHealing Healing { get; }

    /// <summary>Tokens a prompt and its reply may use together.</summary>
    int Window { get; }

    /// <summary>Tokens <paramref name="text"/> takes in this model's vocabulary; called on hot paths, from any thread.</summary>
    int CountTokens(string text);

    /// <summary>
    /// Streams the reply as text pieces, each whole characters. Cancellation stops generation between two tokens and
    /// ends the stream with <see cref="OperationCanceledException"/>; so does leaving the loop early. The result
    /// callback runs once generation ends normally.
    /// </summary>
    IAsyncEnumerable<string> StreamAsync(GenerationRequest request, Action<GenerationResult>? completed = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// <paramref name="count"/> replies to one prompt: the first greedy (<paramref name="request"/> as given), the
    /// others sampled with seeds 1, 2, … so that the same request gives the same candidates. A backend that can do
    /// better (a server request with <c>n</c> choices) overrides this.
    /// </summary>
    async Task<IReadOnlyList<GenerationResult>> GenerateCandidatesAsync(GenerationRequest request, int count, CancellationToken cancellationToken)
    {
        var results = new List<GenerationResult>(count);
        for (var i = 0; i < count; i++)
        {
            var sampled = i == 0 ? request : request with { Sampling = new Sampling(Seed: i) };
            results.Add(await this.GenerateAsync(sampled, cancellationToken).ConfigureAwait(false));
        }
        return results;
    }
}

public static class TextGeneratorExtensions
{
    /// <summary>The whole reply at once.</summary>
    public static async Task<GenerationResult> GenerateAsync(this ITextGenerator generator, GenerationRequest request, CancellationToken cancellationToken)
    {
        var result = default(GenerationResult);
        await foreach (var _ in generator.StreamAsync(request, r => result = r, cancellationToken).ConfigureAwait(false))
        {
        }
        return result!;
    }
}
