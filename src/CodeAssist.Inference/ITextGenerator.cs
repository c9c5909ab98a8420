using CodeAssist.Inference.Generation;
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
