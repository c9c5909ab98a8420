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
/// event per token, each written when the schedule says the engine would have produced it. The last event reports
/// the prompt cache as llama-server does with <c>cache_prompt</c> and one slot: <c>tokens_cached</c> is the common
/// start of this prompt and the previous one (laid out as llama-server's infill lays it out: the <c>input_extra</c>
/// chunks, then prefix, suffix and middle), counted at <see cref="CharactersPerToken"/>, since the stand-in has no
/// tokenizer.
/// </summary>
internal sealed class LoopbackLlamaServer : IDisposable
{
    /// <summary>The bench's 16-token reply, split as a BPE tokenizer would.</summary>
    public static readonly IReadOnlyList<string> BenchReply =
        ["_prices", ".", "Where", "(", "p", " =>", " p", " >", " 0", ")", ".", "Sum", "()", " *", " Rate", ";"];

    /// <summary>The stand-in's token estimate; a real engine counts with its tokenizer.</summary>
    public const double CharactersPerToken = 3.0;

    private readonly HttpListener _listener = new();
    private readonly byte[][] _events;
    private readonly Lock _slot = new();
    private string _slotPrompt = "";
    private readonly EngineSchedule _schedule;
    private readonly Action<string>? _received;

    private LoopbackLlamaServer(int port, IReadOnlyList<string> pieces, EngineSchedule schedule, Action<string>? received)
    {
        _received = received;
        Url = new Uri($"http://127.0.0.1:{port}/");
        _schedule = schedule;
        _listener.Prefixes.Add(Url.ToString());
        _events = [.. pieces.Select(piece => Encoding.UTF8.GetBytes($"data: {JsonSerializer.Serialize(new { content = piece, stop = false })}\n\n"))];
    }

    public Uri Url { get; }

    /// <summary>
    /// Starts on a free loopback port; <paramref name="pieces"/> is the reply, one token per piece; <paramref name="received"/>
    /// hears "POST /infill" per request.
    /// </summary>
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
            string body;
            using (var reader = new StreamReader(context.Request.InputStream))
                body = await reader.ReadToEndAsync().ConfigureAwait(false);
            _received?.Invoke($"{context.Request.HttpMethod} {context.Request.Url!.AbsolutePath}");
            var started = Stopwatch.StartNew();
            var models = context.Request.Url!.AbsolutePath == "/v1/models";
            response.ContentType = models ? "application/json" : "text/event-stream";
            response.SendChunked = true;
            // The managed HttpListener does not keep connections reliably; both sides of the A/B pay the same connect.
            response.KeepAlive = false;
            if (models)
            {
                var list = "{\"object\":\"list\",\"data\":[{\"id\":\"qwen2.5-coder-7b-q8_0.gguf\",\"object\":\"model\"}]}";
                await response.OutputStream.WriteAsync(Encoding.UTF8.GetBytes(list)).ConfigureAwait(false);
                return;
            }
            var (cached, evaluated) = UseSlot(InfillPrompt(body));
            byte[][] events =
            [
                .. _events,
                Encoding.UTF8.GetBytes($"data: {JsonSerializer.Serialize(new
                {
                    content = "", stop = true, stop_type = "eos", tokens_cached = cached, tokens_evaluated = evaluated, tokens_predicted = _events.Length,
                })}\n\n"),
            ];
            for (var i = 0; i < events.Length; i++)
            {
                // Due times from the request's start, as an engine's steady step rate: late writes do not push the rest back.
                var due = _schedule.FirstToken + (_schedule.PerToken * Math.Min(i, events.Length - 2));
                if (due > started.Elapsed)
                    await Task.Delay(due - started.Elapsed).ConfigureAwait(false);
                await response.OutputStream.WriteAsync(events[i]).ConfigureAwait(false);
                await response.OutputStream.FlushAsync().ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
        {
            // The client went away.
        }
    }

    /// <summary>
    /// The prompt llama-server's /infill evaluates, as text: each <c>input_extra</c> chunk (file name, then text), then
    /// the prefix, the suffix and the middle marker. The markers stand for the FIM tokens.
    /// </summary>
    internal static string InfillPrompt(string body)
    {
        try
        {
            return InfillPromptOf(body);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException)
        {
            return body;
        }
    }

    private static string InfillPromptOf(string body)
    {
        using var json = JsonDocument.Parse(body);
        var root = json.RootElement;
        var prompt = new StringBuilder();
        if (root.TryGetProperty("input_extra", out var extra) && extra.ValueKind == JsonValueKind.Array)
        {
            foreach (var chunk in extra.EnumerateArray())
                prompt.Append("<|file_sep|>").Append(chunk.GetProperty("filename").GetString()).Append('\n').Append(chunk.GetProperty("text").GetString());
        }
        prompt.Append("<|fim_prefix|>").Append(root.TryGetProperty("input_prefix", out var prefix) ? prefix.GetString() : "");
        prompt.Append("<|fim_suffix|>").Append(root.TryGetProperty("input_suffix", out var suffix) ? suffix.GetString() : "");
        return prompt.Append("<|fim_middle|>").ToString();
    }

    /// <summary>One slot: the tokens this prompt shares with the previous one from its start are taken from the cache.</summary>
    private (int Cached, int Evaluated) UseSlot(string prompt)
    {
        lock (_slot)
        {
            var common = 0;
            var limit = Math.Min(prompt.Length, _slotPrompt.Length);
            while (common < limit && prompt[common] == _slotPrompt[common])
                common++;
            _slotPrompt = prompt;
            // A cached token must lie wholly inside the common start; llama-server evaluates at least the last token again.
            var total = (int)Math.Ceiling(prompt.Length / CharactersPerToken);
            return (Math.Min((int)(common / CharactersPerToken), total - 1), total);
        }
    }

    public void Dispose() => _listener.Close();
}
