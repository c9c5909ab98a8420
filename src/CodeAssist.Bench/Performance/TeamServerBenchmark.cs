using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;
using CodeAssist.Inference;
using CodeAssist.Inference.Generation;
using CodeAssist.Inference.Prompts;
using CodeAssist.Inference.Remote;

namespace CodeAssist.Bench.Performance;

/// <summary>
/// <c>codeassist-bench bench --backend URL</c>: our overhead around a remote completion. A is the raw HTTP round trip
/// of the exact request the backend sends (same bytes, same connection rules, the whole stream read); B is the
/// backend's own generation of it (body built, stream framed and parsed, stop strings checked). Both hit the same
/// server, alternating, so the server's own time cancels out: B − A is what CodeAssist adds. With <c>stand-in</c>
/// the server is a loopback llama.cpp-shaped one in this process that streams on an engine's schedule (the first
/// token after the prompt is processed, then one token per step), so the ratio is taken against a round trip of a
/// realistic length; with both times at 0 it is a zero-cost server, which isolates the client's cost.
/// </summary>
internal static class TeamServerBenchmark
{
    private const string Prefix =
        "using System;\nusing System.Linq;\n\npublic sealed class Cart\n{\n    private readonly decimal[] _prices = [];\n\n" +
        "    public decimal Total()\n    {\n        return ";
    private const string Suffix = "\n    }\n}\n";

    /// <summary>
    /// The same class with sixty methods before <c>Total</c>: a file whose text before the cursor fills the prompt's
    /// window, as most files do (the short one fits whole, so new context after the cursor outweighs it).
    /// </summary>
    private static readonly string LongPrefix = Prefix.Replace(
        "\n    public decimal Total()",
        string.Concat(Enumerable.Range(0, 60).Select(i =>
            $"\n    public decimal Price{i}(int index) => index < _prices.Length ? _prices[index] * {i + 1}m : 0m;\n"))
            + "\n    public decimal Total()",
        StringComparison.Ordinal);

    public static async Task<int> RunAsync(string backend, int iterations, EngineSchedule schedule, TextWriter output, CancellationToken cancellationToken)
    {
        using var standIn = backend == "stand-in" ? LoopbackLlamaServer.Start(LoopbackLlamaServer.BenchReply, schedule) : null;
        var settings = standIn is not null
            ? new TeamServerSettings(TeamServerKind.LlamaCpp, standIn.Url)
            : TeamServerSettings.ParseOption(backend) is { } parsed
                ? parsed with { ApiKeyEnv = string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CODEASSIST_API_KEY")) ? null : "CODEASSIST_API_KEY" }
                : throw new ArgumentException("--backend needs a team server (KIND=URL) or stand-in");
        using var model = new RemoteModel(settings, _ => { });
        await model.ProbeAsync(cancellationToken).ConfigureAwait(false);
        if (model.Problem is { } problem)
        {
            Console.Error.WriteLine($"codeassist-bench: {problem}");
            return 1;
        }
        var fim = new FimRequest(Prefix, Suffix) { FilePath = "src/Cart.cs" };
        var request = new GenerationRequest(model.Format.BuildCompletion(fim), 32) { Fim = fim, Deadline = TimeSpan.FromSeconds(60) };
        var wire = model.WireRequestFor(request);
        var body = JsonSerializer.SerializeToUtf8Bytes(wire.Body, RemoteModel.WireJson);
        using var raw = new TeamServerConnection(settings);

        var rawTimes = new List<double>();
        var backendTimes = new List<double>();
        var reused = 0;
        for (var i = -5; i < iterations; i++)
        {
            // Alternate which side goes first, so neither always meets a warmer server.
            var rawFirst = i % 2 == 0;
            for (var side = 0; side < 2; side++)
            {
                var clock = Stopwatch.StartNew();
                if ((side == 0) == rawFirst)
                {
                    await RawRoundTripAsync(raw, wire.Path, body, cancellationToken).ConfigureAwait(false);
                    if (i >= 0)
                        rawTimes.Add(clock.Elapsed.TotalMilliseconds);
                }
                else
                {
                    var result = await model.GenerateAsync(request, cancellationToken).ConfigureAwait(false);
                    reused = result.ReusedPromptTokens;
                    if (i >= 0)
                        backendTimes.Add(clock.Elapsed.TotalMilliseconds);
                }
            }
        }
        var rawP50 = Percentile(rawTimes, 0.5);
        var backendP50 = Percentile(backendTimes, 0.5);
        output.WriteLine($"team server {settings.Describe()}{(standIn is not null ? " (loopback stand-in)" : "")}, {iterations} alternating pairs, " +
            $"request of {body.Length} bytes, load average {LoadAverage()} on {Environment.ProcessorCount} cores");
        if (standIn is not null)
        {
            output.WriteLine($"stand-in engine       first token after {schedule.FirstToken.TotalMilliseconds:0} ms, " +
                $"then {schedule.PerToken.TotalMilliseconds:0} ms per token, {LoopbackLlamaServer.BenchReply.Count} tokens (a schedule, not a model)");
        }
        output.WriteLine($"raw HTTP round trip   p50 {rawP50:0.00} ms  p95 {Percentile(rawTimes, 0.95):0.00} ms");
        output.WriteLine($"backend generation    p50 {backendP50:0.00} ms  p95 {Percentile(backendTimes, 0.95):0.00} ms");
        output.WriteLine($"added by CodeAssist   p50 {backendP50 - rawP50:0.00} ms, ratio {backendP50 / rawP50:0.000} (goal: at most 5 ms and 1.05)");
        // Each pair ran back to back against the same server state: the median of their differences is steadier
        // than the difference of the medians when the server's own time jitters (a loaded machine's timers).
        var differences = rawTimes.Zip(backendTimes, (a, b) => b - a).ToList();
        var ratios = rawTimes.Zip(backendTimes, (a, b) => b / a).ToList();
        output.WriteLine($"paired                median difference {Percentile(differences, 0.5):0.00} ms " +
            $"(p25 {Percentile(differences, 0.25):0.00}, p75 {Percentile(differences, 0.75):0.00}), median ratio {Percentile(ratios, 0.5):0.000}");
        output.WriteLine($"prompt cache          {(reused > 0 ? $"{reused} prompt tokens reused on a repeated request" : "no reuse reported")}");
        // Both layouts in one run, one after the other on the same server: the share is a count, but the load is the same.
        foreach (var longFile in (bool[])[false, true])
        {
            foreach (var layout in (TypingLayout[])[TypingLayout.EveryPieceBeforeFile, TypingLayout.AsPlaced])
        {
            var typing = await PrefixCacheWhileTypingAsync(model, layout, cancellationToken, longFile).ConfigureAwait(false);
            var name = (longFile ? "long file, " : "short file, ") + (layout == TypingLayout.AsPlaced
                ? "cursor pieces above the cursor's line (the engine's prompt)"
                : "every piece before the file (the layout before #17's reorder)");
            output.WriteLine($"prefix cache, typing  {name}: {typing.Keystrokes} keystrokes, the server took p50 {typing.MedianShare:P0} " +
                $"(min {typing.MinimumShare:P0}) of each prompt from its cache, {typing.TotalShare:P0} of all prompt tokens; " +
                $"{typing.Evaluated} tokens evaluated in all; " +
                $"fewest tokens kept at a keystroke {typing.FewestCached} (the first kept {typing.FirstCached})" +
                (standIn is not null
                    ? " (the stand-in counts the common start with its previous prompt, as llama-server's one slot does, " +
                      $"at {LoopbackLlamaServer.CharactersPerToken:0} characters per token)"
                    : " (as the server reported it)"));
            if (typing.Misses.Count > 0)
            {
                output.WriteLine($"prefix cache, misses  kept under half of what the first keystroke kept: {string.Join(", ", typing.Misses)} " +
                    "(the prompt changed before the cursor's line: a context piece came, went or moved)");
            }
        }
        }
        return 0;
    }

    /// <summary>
    /// What share of the prompt tokens the server took from its prefix cache while a statement was typed, and how many it
    /// evaluated.
    /// </summary>
    /// <see cref="FewestCached"/> against <see cref="FirstCached"/> says whether any keystroke lost what lies before the cursor's line.
    internal sealed record TypingCacheFigures(
        int Keystrokes, double MedianShare, double MinimumShare, double TotalShare, long Evaluated, int FirstCached, int FewestCached,
        IReadOnlyList<string> Misses);

    /// <summary>The prompt each keystroke sends: the engine's own, or the same pieces all laid out before the file (the A/B's before).</summary>
    internal enum TypingLayout
    {
        /// <summary>The engine's prompt: pieces that depend on the cursor's token as comment lines above the cursor's line.</summary>
        AsPlaced,

        /// <summary>The same pieces and windows, every piece a file before the current one, as prompts were laid out before.</summary>
        EveryPieceBeforeFile,
    }

    /// <summary>The statement typed, one request per keystroke, where <see cref="Prefix"/> ends.</summary>
    private const string Typed = "_prices.Where(p => p > 0).Sum();";

    /// <summary>
    /// The issue's "prefix-cache hit while typing": the server's engine (<see cref="InProcessEngine"/>, the server's
    /// composition root) plans each keystroke's completion as the server would (Roslyn context, our FIM prompt, the
    /// backend's wire request), and the server reports how many prompt tokens it took from its cache. Stable pieces
    /// first in the prompt is what keeps that share high.
    /// </summary>
    internal static async Task<TypingCacheFigures> PrefixCacheWhileTypingAsync(
        ITextGenerator model, TypingLayout layout, CancellationToken cancellationToken, bool longFile = false)
    {
        var prefix = longFile ? LongPrefix : Prefix;
        var root = Directory.CreateTempSubdirectory("codeassist-bench-typing-");
        try
        {
            var path = Path.Combine(root.FullName, "Cart.cs");
            await File.WriteAllTextAsync(path, prefix + Suffix, cancellationToken).ConfigureAwait(false);
            using var engine = new InProcessEngine(root.FullName);
            var settings = BenchPlan.Settings;
            var uri = new Uri(path);
            var keystrokes = new List<(string Typed, double Share, int Cached)>();
            long cached = 0, prompt = 0;
            for (var typed = 0; typed <= Typed.Length; typed++)
            {
                var document = engine.Documents.Open(uri, "csharp", typed + 1, prefix + Typed[..typed] + Suffix);
                var (plan, _, _, _, _) = await engine.PlanAsync(model, document, prefix.Length + typed, settings, cancellationToken).ConfigureAwait(false);
                var request = layout == TypingLayout.AsPlaced ? plan.Request(settings) : EveryPieceBeforeFile(model, plan, settings);
                var result = await model.GenerateAsync(request, cancellationToken).ConfigureAwait(false);
                // The first request fills the cache; the keystrokes after it are what typing costs.
                if (typed == 0 || result.PromptTokens == 0)
                    continue;
                keystrokes.Add((Typed[..typed], (double)result.ReusedPromptTokens / result.PromptTokens, result.ReusedPromptTokens));
                cached += result.ReusedPromptTokens;
                prompt += result.PromptTokens;
            }
            // The first keystroke keeps everything before the cursor; one that keeps less than half of that lost the
            // file (in a file this short, new content after the cursor's line can outweigh the share alone).
            var first = keystrokes.Count == 0 ? 0 : keystrokes[0].Cached;
            var shares = keystrokes.Select(k => k.Share).ToList();
            return new TypingCacheFigures(
                keystrokes.Count, Percentile(shares, 0.5), shares.Count == 0 ? double.NaN : shares.Min(), prompt == 0 ? double.NaN : (double)cached / prompt,
                prompt - cached, first, keystrokes.Count == 0 ? 0 : keystrokes.Min(k => k.Cached),
                [.. keystrokes.Where(k => k.Cached < first / 2).Select(k => $"\"{k.Typed}\" {k.Share:P0} ({k.Cached} tokens)")]);
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    /// <summary>The plan's request with its pieces all laid out as other files before the current one, the prefix as the window has it.</summary>
    private static GenerationRequest EveryPieceBeforeFile(ITextGenerator model, Engine.Completion.CompletionPlan plan, Engine.AssistSettings settings)
    {
        var kept = plan.Context.Prefix[..^plan.Prompt.HealedText.Length];
        var fim = plan.Context.ToFimRequest(kept) with
        {
            Prefix = kept,
            ContextFiles = [.. plan.Context.Pieces.Where(p => p.Kind is not ("prefix" or "suffix")).Reverse().Select(p => new ContextFile(p.Source, p.Text))],
        };
        return plan.Request(settings) with { Prompt = model.Format.BuildCompletion(fim), Fim = fim };
    }

    /// <summary>The same bytes to the same route, the whole streamed reply read and nothing parsed.</summary>
    private static async Task RawRoundTripAsync(TeamServerConnection connection, string path, byte[] body, CancellationToken cancellationToken)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var message = connection.Request(HttpMethod.Post, path, content);
        using var response = await connection.SendAsync(message, cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var buffer = new byte[16384];
        while (await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false) > 0)
        {
        }
    }

    private static string LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Split(' ')[0];
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)(p * sorted.Count))];
    }
}
