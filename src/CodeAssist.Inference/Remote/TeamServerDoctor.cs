using CodeAssist.Inference.Generation;
using CodeAssist.Inference.Prompts;

namespace CodeAssist.Inference.Remote;

/// <summary>
/// <c>codeassist doctor --backend URL</c>: reaches the server, lists its models, times one FIM completion (time to
/// first token, tokens per second) and sends the same prompt extended, as typing does, to see whether the server's
/// prompt cache was hit. Every line is a check a person can act on.
/// </summary>
public static class TeamServerDoctor
{
    /// <summary>The completion timed: a C# method being written, the shape of a real keystroke's prompt.</summary>
    private const string Prefix = "using System;\nusing System.Collections.Generic;\n\nnamespace Inventory;\n\npublic sealed class Stock\n{\n    private readonly Dictionary<string, int> _counts = new();\n\n    public void Add(string item, int count)\n    {\n        _counts[item] = ";
    private const string Suffix = "\n    }\n}\n";

    public static async Task<(IReadOnlyList<(string Name, string Value)> Lines, bool Healthy)> RunAsync(TeamServerSettings settings, TeamServerConnection? connection, CancellationToken cancellationToken)
    {
        var lines = new List<(string, string)> { ("backend", settings.Describe()) };
        var log = new List<string>();
        using var model = new RemoteModel(settings, log.Add, connection);
        var models = await model.ProbeAsync(cancellationToken).ConfigureAwait(false);
        if (models.Count > 0)
            lines.Add(("models", string.Join(", ", models.Select(m => m.ContextLength is { } n ? $"{m.Name} ({n} tokens)" : m.Name))));
        if (model.Problem is { } problem && models.Count == 0)
        {
            lines.Add(("reached", "no: " + problem));
            return (lines, false);
        }
        lines.Add(("reached", "yes"));
        lines.Add(("model", $"{model.Name}; FIM format {model.Format.Fim?.Id ?? "none"}, chat {model.Format.Chat.Id}, window {model.Window} tokens"));
        if (model.Languages.DoctorLine is { } languages)
            lines.Add(("languages", languages));
        if (model.Problem is { } modelProblem)
        {
            lines.Add(("problem", modelProblem));
            return (lines, false);
        }

        var fim = new FimRequest(Prefix, Suffix) { FilePath = "Inventory/Stock.cs" };
        var request = new GenerationRequest(model.Format.BuildCompletion(fim), 32) { Fim = fim, Deadline = TimeSpan.FromSeconds(30) };
        GenerationResult first;
        try
        {
            first = await model.GenerateAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (InferenceUnavailableException e)
        {
            lines.Add(("FIM completion", "failed: " + e.Message));
            return (lines, false);
        }
        var decode = first.Elapsed - first.TimeToFirstToken;
        lines.Add(("FIM completion", $"{first.NewTokens} tokens in {first.Elapsed.TotalMilliseconds:0} ms: \"{Shorten(first.Text)}\""));
        lines.Add(("time to first token", $"{first.TimeToFirstToken.TotalMilliseconds:0} ms"));
        lines.Add(("tokens/s", first.NewTokens > 1 && decode > TimeSpan.Zero ? $"{(first.NewTokens - 1) / decode.TotalSeconds:0.0}" : "too few tokens to tell"));

        // Typing extends the prefix: a server with a prompt cache evaluates only what is new.
        var extended = fim with { Prefix = Prefix + "_counts.TryGetValue(item, out var c) ? c + count : count;\n        Console.WriteLine(" };
        try
        {
            var second = await model.GenerateAsync(request with { Prompt = model.Format.BuildCompletion(extended), Fim = extended }, cancellationToken).ConfigureAwait(false);
            lines.Add(("prompt cache", CacheVerdict(settings.Kind, first, second)));
        }
        catch (InferenceUnavailableException e)
        {
            lines.Add(("prompt cache", "second request failed: " + e.Message));
            return (lines, false);
        }
        return (lines, true);
    }

    private static string CacheVerdict(TeamServerKind kind, GenerationResult first, GenerationResult second)
    {
        if (second.ReusedPromptTokens > 0)
            return $"hit: {second.ReusedPromptTokens} of {second.PromptTokens} prompt tokens reused on the extended request";
        if (kind == TeamServerKind.Ollama && first.PromptTokens > 0 && second.PromptTokens > 0)
        {
            return second.PromptTokens < first.PromptTokens
                ? $"hit: the extended prompt needed {second.PromptTokens} evaluated tokens, the first {first.PromptTokens}"
                : $"miss: {second.PromptTokens} prompt tokens evaluated again";
        }
        return kind == TeamServerKind.OpenAi
            ? "not reported (vLLM reports it with --enable-prefix-caching and --enable-prompt-tokens-details)"
            : "miss: the server reused no prompt tokens";
    }

    private static string Shorten(string text)
    {
        var line = text.Replace("\n", "\\n", StringComparison.Ordinal);
        return line.Length > 60 ? line[..60] + "…" : line;
    }
}
