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
/// the server is a loopback llama.cpp-shaped one in this process, which isolates the client's cost.
/// </summary>
internal static class TeamServerBenchmark
{
    private const string Prefix = "using System;\nusing System.Linq;\n\npublic sealed class Cart\n{\n    private readonly decimal[] _prices = [];\n\n    public decimal Total()\n    {\n        return ";
    private const string Suffix = "\n    }\n}\n";

    public static async Task<int> RunAsync(string backend, int iterations, TextWriter output, CancellationToken cancellationToken)
    {
        using var standIn = backend == "stand-in" ? LoopbackLlamaServer.Start() : null;
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
        output.WriteLine($"team server {settings.Describe()}{(standIn is not null ? " (loopback stand-in)" : "")}, {iterations} alternating pairs, request of {body.Length} bytes");
        output.WriteLine($"raw HTTP round trip   p50 {rawP50:0.00} ms  p95 {Percentile(rawTimes, 0.95):0.00} ms");
        output.WriteLine($"backend generation    p50 {backendP50:0.00} ms  p95 {Percentile(backendTimes, 0.95):0.00} ms");
        output.WriteLine($"added by CodeAssist   p50 {backendP50 - rawP50:0.00} ms, ratio {backendP50 / rawP50:0.000} (goal: at most 5 ms and 1.05)");
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

    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)(p * sorted.Count))];
    }

    /// <summary>A loopback server answering /v1/models and /infill the way llama-server streams (tools/server/README.md).</summary>
    private sealed class LoopbackLlamaServer : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly byte[] _stream;

        private LoopbackLlamaServer(int port)
        {
            Url = new Uri($"http://127.0.0.1:{port}/");
            _listener.Prefixes.Add(Url.ToString());
            var events = new StringBuilder();
            string[] pieces = ["_prices", ".Sum", "()", ";"];
            foreach (var piece in pieces)
                events.Append("data: ").Append(JsonSerializer.Serialize(new { content = piece, stop = false })).Append("\n\n");
            events.Append("data: ").Append(JsonSerializer.Serialize(new { content = "", stop = true, stop_type = "eos", tokens_cached = 48, tokens_evaluated = 60, tokens_predicted = pieces.Length })).Append("\n\n");
            _stream = Encoding.UTF8.GetBytes(events.ToString());
        }

        public Uri Url { get; }

        public static LoopbackLlamaServer Start()
        {
            var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            var server = new LoopbackLlamaServer(port);
            server._listener.Start();
            _ = Task.Run(server.ServeAsync);
            return server;
        }

        private async Task ServeAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync().ConfigureAwait(false);
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
                {
                    return;
                }
                using var response = context.Response;
                using (var reader = new StreamReader(context.Request.InputStream))
                    await reader.ReadToEndAsync().ConfigureAwait(false);
                var body = context.Request.Url!.AbsolutePath == "/v1/models"
                    ? Encoding.UTF8.GetBytes("{\"object\":\"list\",\"data\":[{\"id\":\"qwen2.5-coder-7b-q8_0.gguf\",\"object\":\"model\"}]}")
                    : _stream;
                response.ContentType = context.Request.Url.AbsolutePath == "/v1/models" ? "application/json" : "text/event-stream";
                response.SendChunked = true;
                // The managed HttpListener does not keep connections reliably; both sides of the A/B pay the same connect.
                response.KeepAlive = false;
                await response.OutputStream.WriteAsync(body).ConfigureAwait(false);
            }
        }

        public void Dispose() => _listener.Close();
    }
}
