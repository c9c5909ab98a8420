using CodeAssist.Engine.Context;
using CodeAssist.Inference;
using CodeAssist.Inference.Generation;
using CodeAssist.Inference.Prompts;

namespace CodeAssist.Server.Bench;

/// <summary>Generation alone, in the bench process: throughput, time to first token and what KV prefix reuse saves.</summary>
internal static class ModelBenchmark
{
    /// <summary>A FIM prompt of about <paramref name="tokens"/> tokens: the end of a generated file as prefix, no suffix.</summary>
    public static string PromptOf(LanguageModel model, string source, int tokens, string extension = "")
    {
        var prefix = TokenWindow.CutPrefix(source, tokens, model.CountTokens) + extension;
        return model.Format.Fim?.Build(new FimRequest(prefix, "")) ?? model.Format.Chat.Build("Complete the code.", prefix);
    }

    /// <summary>
    /// Fresh generators (no reuse) on prompts of about a thousand tokens: prompt tokens per second from the time to
    /// the first token, generated tokens per second from the rest.
    /// </summary>
    public static async Task<ThroughputFigures> ThroughputAsync(LanguageModel model, IReadOnlyList<string> sources, int repetitions, int maxNewTokens,
        IBenchStep step, CancellationToken cancellationToken)
    {
        var promptRates = new List<double>();
        var generationRates = new List<double>();
        var firstToken = new List<double>();
        var newTokens = new List<double>();
        var promptTokens = 0;
        for (var i = 0; i < repetitions; i++)
        {
            var prompt = PromptOf(model, sources[i % sources.Count], 1000);
            var result = await model.GenerateAsync(new GenerationRequest(prompt, maxNewTokens) { ReusePrefix = false }, cancellationToken).ConfigureAwait(false);
            promptTokens = result.PromptTokens;
            firstToken.Add(result.TimeToFirstToken.TotalMilliseconds);
            promptRates.Add(result.PromptTokens / result.TimeToFirstToken.TotalSeconds);
            newTokens.Add(result.NewTokens);
            if (result.NewTokens > 1)
                generationRates.Add((result.NewTokens - 1) / (result.Elapsed - result.TimeToFirstToken).TotalSeconds);
            step.Advance();
        }
        return new ThroughputFigures(Median(promptRates), Median(generationRates), Distribution.Of(firstToken), promptTokens, newTokens.Average());
    }

    /// <summary>
    /// Time to first token on a ~1000-token prompt extended by a few tokens (the next keystrokes), with the previous
    /// prompt's KV cache reused and without. Each repetition primes the cache with the unextended prompt first; the
    /// order of the two measurements alternates.
    /// </summary>
    public static async Task<KvReuseFigures> KvReuseAsync(LanguageModel model, IReadOnlyList<string> sources, int repetitions, IBenchStep step, CancellationToken cancellationToken)
    {
        var with = new List<double>();
        var without = new List<double>();
        var reused = new List<double>();
        var extendedBy = new List<double>();
        var promptTokens = 0;
        for (var i = 0; i < repetitions; i++)
        {
            var source = sources[(i + 1) % sources.Count];
            var basePrompt = PromptOf(model, source, 1000);
            var extended = PromptOf(model, source, 1000, extension: $"\n        var total{i} = ");
            async Task<GenerationResult> Run(string prompt, bool reuse) =>
                await model.GenerateAsync(new GenerationRequest(prompt, 1) { ReusePrefix = reuse }, cancellationToken).ConfigureAwait(false);

            if (i % 2 == 1)
                without.Add((await Run(extended, false).ConfigureAwait(false)).TimeToFirstToken.TotalMilliseconds);
            var primed = await Run(basePrompt, false).ConfigureAwait(false);
            var hit = await Run(extended, true).ConfigureAwait(false);
            with.Add(hit.TimeToFirstToken.TotalMilliseconds);
            reused.Add(hit.ReusedPromptTokens);
            extendedBy.Add(hit.PromptTokens - primed.PromptTokens);
            promptTokens = hit.PromptTokens;
            if (i % 2 == 0)
                without.Add((await Run(extended, false).ConfigureAwait(false)).TimeToFirstToken.TotalMilliseconds);
            step.Advance();
        }
        var withReuse = Distribution.Of(with);
        var withoutReuse = Distribution.Of(without);
        return new KvReuseFigures(promptTokens, extendedBy.Average(), reused.Average(), withReuse, withoutReuse, withoutReuse.P50 / withReuse.P50);
    }

    private static double Median(List<double> values) => values.Count == 0 ? double.NaN : Distribution.Of(values).P50;
}
