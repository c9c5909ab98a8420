using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
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
    private const string Prefix = "using System;\nusing System.Linq;\n\npublic sealed class Cart\n{\n    private readonly decimal[] _prices = [];\n\n    public decimal Total()\n    {\n        return ";
    private const string Suffix = "\n    }\n}\n";

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
        output.WriteLine($"team server {settings.Describe()}{(standIn is not null ? " (loopback stand-in)" : "")}, {iterations} alternating pairs, request of {body.Length} bytes, load average {LoadAverage()} on {Environment.ProcessorCount} cores");
        if (standIn is not null)
            output.WriteLine($"stand-in engine       first token after {schedule.FirstToken.TotalMilliseconds:0} ms, then {schedule.PerToken.TotalMilliseconds:0} ms per token, {LoopbackLlamaServer.BenchReply.Count} tokens (a schedule, not a model)");
        output.WriteLine($"raw HTTP round trip   p50 {rawP50:0.00} ms  p95 {Percentile(rawTimes, 0.95):0.00} ms");
        output.WriteLine($"backend generation    p50 {backendP50:0.00} ms  p95 {Percentile(backendTimes, 0.95):0.00} ms");
        output.WriteLine($"added by CodeAssist   p50 {backendP50 - rawP50:0.00} ms, ratio {backendP50 / rawP50:0.000} (goal: at most 5 ms and 1.05)");
        // Each pair ran back to back against the same server state: the median of their differences is steadier
        // than the difference of the medians when the server's own time jitters (a loaded machine's timers).
        var differences = rawTimes.Zip(backendTimes, (a, b) => b - a).ToList();
        var ratios = rawTimes.Zip(backendTimes, (a, b) => b / a).ToList();
        output.WriteLine($"paired                median difference {Percentile(differences, 0.5):0.00} ms (p25 {Percentile(differences, 0.25):0.00}, p75 {Percentile(differences, 0.75):0.00}), median ratio {Percentile(ratios, 0.5):0.000}");
        output.WriteLine($"prompt cache          {(reused > 0 ? $"{reused} prompt tokens reused on a repeated request" : "no reuse reported")}");
        return 0;
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
