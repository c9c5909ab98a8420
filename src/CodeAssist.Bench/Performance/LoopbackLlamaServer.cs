using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;

namespace CodeAssist.Bench.Performance;

/// <summary>How the stand-in streams: prompt processing before the first token, then the time per generated token.</summary>
internal sealed record EngineSchedule(TimeSpan FirstToken, TimeSpan PerToken)
{
    /// <summary>
    /// A 7B coder model on one data-centre GPU: ~80 tokens/s per stream (vLLM or llama-server, Qwen2.5-Coder-7B on an
    /// A100-class card) and ~30 ms to the first token when the prefix cache holds the file as the user types.
    /// </summary>
    public static readonly EngineSchedule SevenBillionOnOneGpu = new(TimeSpan.FromMilliseconds(30), TimeSpan.FromMilliseconds(12));
}

/// <summary>
/// A loopback server answering /v1/models and /infill the way llama-server streams (tools/server/README.md): one
/// event per token, each written when the schedule says the engine would have produced it.
/// </summary>
internal sealed class LoopbackLlamaServer : IDisposable
{
    /// <summary>The bench's 16-token reply, split as a BPE tokenizer would.</summary>
    public static readonly IReadOnlyList<string> BenchReply = ["_prices", ".", "Where", "(", "p", " =>", " p", " >", " 0", ")", ".", "Sum", "()", " *", " Rate", ";"];

    private readonly HttpListener _listener = new();
    private readonly byte[][] _events;
    private readonly EngineSchedule _schedule;
    private readonly Action<string>? _received;

    private LoopbackLlamaServer(int port, IReadOnlyList<string> pieces, EngineSchedule schedule, Action<string>? received)
    {
        _received = received;
        Url = new Uri($"http://127.0.0.1:{port}/");
        _schedule = schedule;
        _listener.Prefixes.Add(Url.ToString());
        _events =
        [
            .. pieces.Select(piece => Encoding.UTF8.GetBytes($"data: {JsonSerializer.Serialize(new { content = piece, stop = false })}\n\n")),
            Encoding.UTF8.GetBytes($"data: {JsonSerializer.Serialize(new { content = "", stop = true, stop_type = "eos", tokens_cached = 48, tokens_evaluated = 60, tokens_predicted = pieces.Count })}\n\n"),
        ];
    }

    public Uri Url { get; }

    /// <summary>Starts on a free loopback port; <paramref name="pieces"/> is the reply, one token per piece; <paramref name="received"/> hears "POST /infill" per request.</summary>
    public static LoopbackLlamaServer Start(IReadOnlyList<string> pieces, EngineSchedule schedule, Action<string>? received = null)
    {
        var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var server = new LoopbackLlamaServer(port, pieces, schedule, received);
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
            // One request at a time would queue the A/B's sides behind each other: each is served on its own.
            _ = Task.Run(() => AnswerAsync(context));
        }
    }

    private async Task AnswerAsync(HttpListenerContext context)
    {
        try
        {
            using var response = context.Response;
            using (var reader = new StreamReader(context.Request.InputStream))
                await reader.ReadToEndAsync().ConfigureAwait(false);
            _received?.Invoke($"{context.Request.HttpMethod} {context.Request.Url!.AbsolutePath}");
            var started = Stopwatch.StartNew();
            var models = context.Request.Url!.AbsolutePath == "/v1/models";
            response.ContentType = models ? "application/json" : "text/event-stream";
            response.SendChunked = true;
            // The managed HttpListener does not keep connections reliably; both sides of the A/B pay the same connect.
            response.KeepAlive = false;
            if (models)
            {
                await response.OutputStream.WriteAsync(Encoding.UTF8.GetBytes("{\"object\":\"list\",\"data\":[{\"id\":\"qwen2.5-coder-7b-q8_0.gguf\",\"object\":\"model\"}]}")).ConfigureAwait(false);
                return;
            }
            for (var i = 0; i < _events.Length; i++)
            {
                // Due times from the request's start, as an engine's steady step rate: late writes do not push the rest back.
                var due = _schedule.FirstToken + (_schedule.PerToken * Math.Min(i, _events.Length - 2));
                if (due > started.Elapsed)
                    await Task.Delay(due - started.Elapsed).ConfigureAwait(false);
                await response.OutputStream.WriteAsync(_events[i]).ConfigureAwait(false);
                await response.OutputStream.FlushAsync().ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
        {
            // The client went away.
        }
    }

    public void Dispose() => _listener.Close();
}
