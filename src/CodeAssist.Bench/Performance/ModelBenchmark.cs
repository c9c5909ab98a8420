using CodeAssist.Engine.Context;
using CodeAssist.Inference;
using CodeAssist.Inference.Generation;
using CodeAssist.Inference.Prompts;

namespace CodeAssist.Bench.Performance;

/// <summary>Generation alone, in the bench process: throughput, time to first token and what KV prefix reuse saves.</summary>
internal static class ModelBenchmark
{
    /// <summary>A FIM prompt of about <paramref name="tokens"/> tokens: the end of a generated file as prefix, no suffix.</summary>
    public static string PromptOf(LanguageModel model, string source, int tokens, string extension = "")
    {
        var prefix = TokenWindow.CutPrefix(source, tokens, model.CountTokens) + extension;
        return model.Format.BuildCompletion(new FimRequest(prefix, ""));
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
            var result = await model.GenerateAsync(new GenerationRequest(prompt, maxNewTokens) { ReusePrefix = false }, cancellationToken)
                .ConfigureAwait(false);
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
    /// prompt's KV cache reused and without, and how fast the following tokens come in each case. Each repetition
    /// primes the cache with the unextended prompt first; the order of the two measurements alternates.
    /// </summary>
    public static async Task<KvReuseFigures> KvReuseAsync(
        LanguageModel model, IReadOnlyList<string> sources, int repetitions, IBenchStep step, CancellationToken cancellationToken)
    {
        const int decodeTokens = 16;
        var with = new List<double>();
        var without = new List<double>();
        var decodeWith = new List<double>();
        var decodeWithout = new List<double>();
        var reused = new List<double>();
        var extendedBy = new List<double>();
        var promptTokens = 0;
        for (var i = 0; i < repetitions; i++)
        {
            var source = sources[(i + 1) % sources.Count];
            var basePrompt = PromptOf(model, source, 1000);
            var extended = PromptOf(model, source, 1000, extension: $"\n        var total{i} = ");
            async Task<GenerationResult> Run(string prompt, bool reuse, int tokens) =>
                await model.GenerateAsync(new GenerationRequest(prompt, tokens) { ReusePrefix = reuse }, cancellationToken).ConfigureAwait(false);
            async Task Fresh()
            {
                var fresh = await Run(extended, false, decodeTokens).ConfigureAwait(false);
                without.Add(fresh.TimeToFirstToken.TotalMilliseconds);
                if (DecodeRate(fresh) is { } rate)
                    decodeWithout.Add(rate);
            }

            if (i % 2 == 1)
                await Fresh().ConfigureAwait(false);
            var primed = await Run(basePrompt, false, 1).ConfigureAwait(false);
            var hit = await Run(extended, true, decodeTokens).ConfigureAwait(false);
            with.Add(hit.TimeToFirstToken.TotalMilliseconds);
            if (DecodeRate(hit) is { } reusedRate)
                decodeWith.Add(reusedRate);
            reused.Add(hit.ReusedPromptTokens);
            extendedBy.Add(hit.PromptTokens - primed.PromptTokens);
            promptTokens = hit.PromptTokens;
            if (i % 2 == 0)
                await Fresh().ConfigureAwait(false);
            step.Advance();
        }
        var withReuse = Distribution.Of(with);
        var withoutReuse = Distribution.Of(without);
        return new KvReuseFigures(promptTokens, extendedBy.Average(), reused.Average(), withReuse, withoutReuse, withoutReuse.P50 / withReuse.P50,
            Median(decodeWith), Median(decodeWithout));
    }

    /// <summary>Tokens per second after the first one, or null when fewer than two came.</summary>
    private static double? DecodeRate(GenerationResult result) =>
        result.NewTokens > 1 ? (result.NewTokens - 1) / (result.Elapsed - result.TimeToFirstToken).TotalSeconds : null;

    private static double Median(List<double> values) => values.Count == 0 ? double.NaN : Distribution.Of(values).P50;
}
