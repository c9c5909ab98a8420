using System.Diagnostics;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Security.Authentication;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using CodeAssist.Inference.Generation;
using CodeAssist.Inference.Models;
using CodeAssist.Inference.Prompts;

namespace CodeAssist.Inference.Remote;

/// <summary>
/// A model served by a team's inference server. The engine treats it like the in-process model: prompts are built
/// here by our own formats (or, for llama.cpp's <c>/infill</c>, handed over as pieces), replies stream back, a
/// cancelled request closes its HTTP stream (which stops the server's generation), and the deadline ends a reply the
/// way it ends a local one. A fault is a <see cref="TeamServerException"/> and the <see cref="Problem"/> status UIs show
/// until a request succeeds again; 429 and 503 make the backend wait as long as the server asked before the next request.
/// </summary>
public sealed class RemoteModel : ITextGenerator, IDisposable
{
    /// <summary>Characters per token assumed when budgeting context without the server's tokenizer (code is 3–4).</summary>
    private const double CharactersPerToken = 3.0;

    /// <summary>Window assumed when neither the settings nor the server say: llama-server and Ollama slots are often this small.</summary>
    private const int DefaultWindow = 4096;

    /// <summary>Stop sequences per request: TGI refuses more than 4 by default, and the OpenAI API documents at most 4.</summary>
    private const int MaxStopSequences = 4;

    /// <summary>Longest error body read.</summary>
    private const int MaxErrorBody = 16 * 1024;

    private readonly TeamServerConnection _connection;
    private readonly TeamServerProtocol _protocol;
    private readonly Action<string> _log;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private string? _problem;
    private string? _configurationProblem;
    private TeamServerException? _backingOff;
    private DateTimeOffset _retryAt;
    private string? _model;
    private int? _servedWindow;
    private int _generationCount;

    public RemoteModel(TeamServerSettings settings, Action<string> log, TeamServerConnection? connection = null, TimeProvider? time = null)
    {
        Settings = settings;
        _log = log;
        _time = time ?? TimeProvider.System;
        _connection = connection ?? new TeamServerConnection(settings);
        _protocol = TeamServerProtocol.For(settings.Kind);
        _model = settings.Model;
        Format = ChooseFormat(settings, _model, out _configurationProblem) ?? new PromptFormat(FimFormat.Qwen, ChatFormat.ChatMl);
    }

    public TeamServerSettings Settings { get; }

    /// <summary>The team server behind <paramref name="generator"/>, with or without the local fallback; null for a local model.</summary>
    public static RemoteModel? Of(ITextGenerator generator) => generator as RemoteModel ?? (generator as LocalFallback)?.Remote;

    public string Name => _model ?? "the server's model";

    public string Backend => Settings.Describe();

    public PromptFormat Format { get; private set; }

    /// <summary>What the team folder's codeassist.json says the served model completes (<see cref="TeamServerSettings.Languages"/>).</summary>
    public ModelLanguages Languages => ModelLanguages.Of(Settings.Languages);

    /// <summary>Healing needs the model's logits, which no server exposes: prompts end at the cursor.</summary>
    public TokenHealing Healing => TokenHealing.None;

    public int Window => Settings.ContextLength ?? _servedWindow ?? DefaultWindow;

    public int GenerationCount => Volatile.Read(ref _generationCount);

    public string? Problem
    {
        get
        {
            lock (_gate)
                return _configurationProblem ?? _problem;
        }
    }

    public event Action? ProblemChanged;

    /// <summary>An estimate: the server's tokenizer is remote, and asking it per keystroke would cost a round trip.</summary>
    public int CountTokens(string text) => (int)Math.Ceiling(text.Length / CharactersPerToken);

    /// <summary>
    /// Asks the server which models it serves, settles the model and its prompt format, and checks that the model can
    /// fill in the middle where the engine documents a way to ask. Faults become <see cref="Problem"/>, never exceptions:
    /// a server that is down now may be up at the next keystroke.
    /// </summary>
    public async Task<IReadOnlyList<ServedModel>> ProbeAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<ServedModel> models = [];
        try
        {
            using var response = await SendAsync(HttpMethod.Get, _protocol.ModelsPath, null, cancellationToken).ConfigureAwait(false);
            try
            {
                models = _protocol.ParseModels(await ReadJsonAsync(response, cancellationToken).ConfigureAwait(false));
            }
            catch (JsonException e)
            {
                throw TeamServerException.Malformed(Settings, $"{e.Message} in /{_protocol.ModelsPath}");
            }
            var served = Settings.Model is { } wanted ? models.FirstOrDefault(m => SameModel(m.Name, wanted)) : models.Count > 0 ? models[0] : null;
            if (Settings.Model is { } configured && served is null && _protocol.NeedsModelName)
            {
                throw new TeamServerException(TeamServerFault.ModelNotFound,
                    $"the team server at {Settings.Endpoint} does not serve the model \"{configured}\"; it serves {(models.Count == 0 ? "none" : string.Join(", ", models.Select(m => m.Name)))}; set backend.model to one of them");
            }
            if (served is null && _protocol.NeedsModelName)
                throw new TeamServerException(TeamServerFault.ModelNotFound, $"the team server at {Settings.Endpoint} serves no model{(Settings.Kind == TeamServerKind.Ollama ? "; pull one (ollama pull qwen2.5-coder:7b-base) and set backend.model" : "")}");
            lock (_gate)
            {
                _model ??= served?.Name;
                _servedWindow = served?.ContextLength;
                Format = ChooseFormat(Settings, _model, out _configurationProblem) ?? Format;
            }
            await CheckFillInTheMiddleAsync(cancellationToken).ConfigureAwait(false);
            Report(null);
            return models;
        }
        catch (TeamServerException e)
        {
            Report(e);
            return models;
        }
    }

    /// <summary>Ollama's <c>/api/show</c> lists an <c>insert</c> capability for models whose template fills in the middle; vLLM's <c>/tokenize</c> shows whether the FIM marker is one token.</summary>
    private async Task CheckFillInTheMiddleAsync(CancellationToken cancellationToken)
    {
        if (Format.Fim is not { } fim || _model is null)
            return;
        if (Settings.Kind == TeamServerKind.Ollama)
        {
            using var response = await SendAsync(HttpMethod.Post, "api/show", new JsonObject { ["model"] = _model }, cancellationToken).ConfigureAwait(false);
            var show = await ReadJsonAsync(response, cancellationToken).ConfigureAwait(false);
            if (show.TryGetProperty("capabilities", out var capabilities) && capabilities.ValueKind == JsonValueKind.Array
                && !capabilities.EnumerateArray().Any(c => c.ValueKind == JsonValueKind.String && c.GetString() == "insert"))
            {
                throw TeamServerException.NoFimTokens(Settings, _model, "Ollama lists no \"insert\" capability for it");
            }
        }
        else if (Settings.Kind == TeamServerKind.OpenAi)
        {
            var request = _connection.Request(HttpMethod.Post, "tokenize", Json(new JsonObject { ["model"] = _model, ["prompt"] = fim.PrefixToken }));
            using var response = await SendRawAsync(request, cancellationToken).ConfigureAwait(false);
            // Only vLLM has this route; elsewhere the first completion shows what the model makes of the markers.
            if (!response.IsSuccessStatusCode)
                return;
            var tokens = await ReadJsonAsync(response, cancellationToken).ConfigureAwait(false);
            if (tokens.TryGetProperty("count", out var count) && count.ValueKind == JsonValueKind.Number && count.GetInt32() > 1)
                throw TeamServerException.NoFimTokens(Settings, _model, $"its tokenizer splits {fim.PrefixToken} into {count.GetInt32()} tokens");
        }
    }

    public async Task<GenerationResult> GenerateAsync(GenerationRequest request, CancellationToken cancellationToken) =>
        (await ExecuteAsync(request, 1, null, cancellationToken).ConfigureAwait(false))[0];

    /// <summary>
    /// On the OpenAI routes the extra candidates are one request with <c>n</c> sampled choices, sent beside the greedy
    /// one so the two run in the server's batch at once; the other engines get one request per candidate.
    /// </summary>
    public async Task<IReadOnlyList<GenerationResult>> GenerateCandidatesAsync(GenerationRequest request, int count, CancellationToken cancellationToken)
    {
        if (count <= 1)
            return [await GenerateAsync(request, cancellationToken).ConfigureAwait(false)];
        if (Settings.Kind == TeamServerKind.OpenAi)
        {
            var greedy = ExecuteAsync(request, 1, null, cancellationToken);
            var sampled = ExecuteAsync(request with { Sampling = new Sampling(Seed: 1) }, count - 1, null, cancellationToken);
            return [.. await greedy.ConfigureAwait(false), .. await sampled.ConfigureAwait(false)];
        }
        var results = new List<GenerationResult>(count);
        for (var i = 0; i < count; i++)
            results.Add(await GenerateAsync(i == 0 ? request : request with { Sampling = new Sampling(Seed: i) }, cancellationToken).ConfigureAwait(false));
        return results;
    }

    public async IAsyncEnumerable<string> StreamAsync(GenerationRequest request, Action<GenerationResult>? completed = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var channel = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var run = Task.Run(async () =>
        {
            try
            {
                return await ExecuteAsync(request, 1, piece => channel.Writer.TryWrite(piece), stop.Token).ConfigureAwait(false);
            }
            finally
            {
                channel.Writer.TryComplete();
            }
        }, CancellationToken.None);
        try
        {
            await foreach (var piece in channel.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
                yield return piece;
            var results = await run.ConfigureAwait(false);
            completed?.Invoke(results[0]);
        }
        finally
        {
            if (!run.IsCompleted)
            {
                // The reader left early: closing the stream stops the server's generation.
                await stop.CancelAsync().ConfigureAwait(false);
                try
                {
                    await run.ConfigureAwait(false);
                }
                catch (Exception e) when (e is OperationCanceledException or InferenceUnavailableException)
                {
                    // Nobody is reading any more.
                }
            }
        }
    }

    /// <summary>The route and body this backend sends for <paramref name="request"/> (the bench replays it raw).</summary>
    public WireRequest WireRequestFor(GenerationRequest request, int choices = 1)
    {
        // llama.cpp knows the model's end-of-generation tokens (FIM_PAD, FIM_SEP and EOS are EOG there); the others get ours.
        var formatStops = request.Chat is not null ? Format.Chat.StopTokens : Format.Fim?.StopTokens ?? Format.Chat.StopTokens;
        var stops = request.StopStrings.Concat(Settings.Kind == TeamServerKind.LlamaCpp ? [] : formatStops).Distinct().Take(MaxStopSequences).ToList();
        return _protocol.Completion(request, new WireOptions(_model, choices, stops, Window, Settings.KeepAlive));
    }

    /// <summary>One request with <paramref name="choices"/> replies; choice 0 streams to <paramref name="emit"/>.</summary>
    private async Task<GenerationResult[]> ExecuteAsync(GenerationRequest request, int choices, Action<string>? emit, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ThrowIfUnusable();
        var wire = WireRequestFor(request, choices);
        if (Settings.LogPrompts)
            _log($"team server request: POST /{wire.Path} {wire.Body.ToJsonString(WireJson)}");

        var clock = Stopwatch.StartNew();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (request.Deadline is { } limit)
            deadline.CancelAfter(limit);
        var replies = Enumerable.Range(0, choices).Select(_ => new ChoiceReply(new TokenStopper(new HashSet<int>(), [.. request.StopStrings, .. Format.StopTokens]))).ToArray();
        WireUsage? usage = null;
        var firstToken = TimeSpan.Zero;
        var pieces = 0;
        var streaming = false;
        try
        {
            using var response = await SendAsync(HttpMethod.Post, wire.Path, wire.Body, deadline.Token).ConfigureAwait(false);
            streaming = true;
            await using var stream = await response.Content.ReadAsStreamAsync(deadline.Token).ConfigureAwait(false);
            var complete = false;
            await foreach (var data in WireFraming.ReadAsync(stream, _protocol.NewlineDelimited, deadline.Token).ConfigureAwait(false))
            {
                if (data == WireFraming.Done)
                {
                    complete = true;
                    break;
                }
                WireEvent wireEvent;
                try
                {
                    using var json = JsonDocument.Parse(data);
                    wireEvent = _protocol.Parse(json.RootElement);
                }
                catch (JsonException e)
                {
                    throw TeamServerException.Malformed(Settings, $"{e.Message.Split('\n')[0]} in a streamed event");
                }
                if (wireEvent.Error is { } error)
                {
                    throw new TeamServerException(TeamServerFault.ServerError,
                        $"the team server at {Settings.Endpoint} failed while generating ({TeamServerException.Scrub(error, _connection.Secret)})");
                }
                foreach (var (index, text, finish) in wireEvent.Texts)
                {
                    if (index < 0 || index >= choices)
                        continue;
                    var reply = replies[index];
                    if (text.Length > 0 && pieces++ == 0)
                        firstToken = clock.Elapsed;
                    if (reply.Reason is null && text.Length > 0)
                    {
                        reply.Tokens++;
                        var (released, stopped) = reply.Stopper.Add(text);
                        reply.Append(released, index == 0 ? emit : null);
                        if (stopped)
                            reply.Reason = StopReason.StopString;
                    }
                    if (finish is not null && reply.Reason is null)
                        reply.Finish(finish == "length" ? StopReason.MaxTokens : StopReason.EndOfText, index == 0 ? emit : null);
                }
                usage = wireEvent.Usage ?? usage;
                if (wireEvent.Done)
                {
                    complete = true;
                    break;
                }
                // Every reply ended at one of our stop strings: closing the stream stops the server early.
                if (replies.All(r => r.Reason == StopReason.StopString))
                {
                    complete = true;
                    break;
                }
            }
            if (!complete && !replies.All(r => r.Reason is not null))
                throw TeamServerException.CutShort(Settings);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && request.Deadline is { } missed)
        {
            // The deadline: what arrived by then is the reply, as with the local model. Nothing at all is a stall.
            if (pieces == 0)
            {
                var stalled = TeamServerException.Stalled(Settings, missed);
                Report(stalled);
                throw stalled;
            }
            foreach (var reply in replies.Where(r => r.Reason is null))
                reply.Finish(StopReason.Deadline, ReferenceEquals(reply, replies[0]) ? emit : null);
        }
        catch (TeamServerException e)
        {
            Report(e);
            throw;
        }
        catch (Exception e) when (e is HttpRequestException or IOException or AuthenticationException or InvalidDataException)
        {
            cancellationToken.ThrowIfCancellationRequested();
            // Once the reply has started, a broken connection is a stream cut short, not an unreachable server.
            var fault = streaming ? TeamServerException.CutShort(Settings) : TeamServerException.FromTransport(e, Settings, _connection.CertificateProblem);
            Report(fault);
            throw fault;
        }
        Report(null);
        Interlocked.Add(ref _generationCount, choices);
        return [.. replies.Select(r => new GenerationResult(r.Text.ToString(), r.Reason ?? StopReason.EndOfText,
            usage?.PromptTokens ?? 0, r.Tokens, usage?.CachedTokens ?? 0, firstToken, clock.Elapsed))];
    }

    /// <summary>Sends a request; an error status becomes the <see cref="TeamServerException"/> it stands for.</summary>
    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, JsonObject? body, CancellationToken cancellationToken)
    {
        var response = await SendRawAsync(_connection.Request(method, path, body is null ? null : Json(body)), cancellationToken).ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
            return response;
        using (response)
        {
            var text = await ReadBoundedAsync(response, cancellationToken).ConfigureAwait(false);
            var fault = TeamServerException.FromStatus(response.StatusCode, text, RetryAfter(response.Headers.RetryAfter), Settings, "/" + path, _model, _connection.Secret);
            if (fault.RetryAfter is { } wait)
            {
                lock (_gate)
                {
                    _backingOff = fault;
                    _retryAt = _time.GetUtcNow() + wait;
                }
            }
            throw fault;
        }
    }

    private async Task<HttpResponseMessage> SendRawAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using (request)
        {
            try
            {
                return await _connection.SendAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpRequestException or IOException or AuthenticationException && !cancellationToken.IsCancellationRequested)
            {
                throw TeamServerException.FromTransport(e, Settings, _connection.CertificateProblem);
            }
        }
    }

    private async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await ReadBoundedAsync(response, cancellationToken).ConfigureAwait(false);
        try
        {
            using var json = JsonDocument.Parse(text);
            return json.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw TeamServerException.Malformed(Settings, e.Message.Split('\n')[0]);
        }
    }

    private static async Task<string> ReadBoundedAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var buffer = new byte[MaxErrorBody];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false)) > 0)
            length += read;
        return Encoding.UTF8.GetString(buffer, 0, length);
    }

    /// <summary>
    /// Bodies carry code and FIM markers: the relaxed encoder writes &lt; &gt; &amp; and quotes as themselves
    /// (valid JSON either way) instead of six-character escapes that would swell every prompt.
    /// </summary>
    public static readonly JsonSerializerOptions WireJson = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static ByteArrayContent Json(JsonObject body)
    {
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body, WireJson));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    private TimeSpan? RetryAfter(RetryConditionHeaderValue? header) =>
        header?.Delta ?? (header?.Date is { } date ? (date - _time.GetUtcNow()) is var wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero : null);

    /// <summary>Refuses at once while the server asked us to wait, or while the settings cannot work; the server is not contacted.</summary>
    private void ThrowIfUnusable()
    {
        lock (_gate)
        {
            if (_configurationProblem is { } problem)
                throw new InferenceUnavailableException(problem);
            if (_backingOff is { } fault && _time.GetUtcNow() < _retryAt)
                throw fault;
            _backingOff = null;
        }
    }

    private void Report(TeamServerException? fault)
    {
        var message = fault?.Message;
        bool changed;
        lock (_gate)
        {
            changed = _problem != message;
            _problem = message;
        }
        if (!changed)
            return;
        _log(message is null ? $"team server {Settings.Endpoint} is answering again" : $"team server: {message}");
        ProblemChanged?.Invoke();
    }

    private static bool SameModel(string served, string wanted) =>
        string.Equals(served, wanted, StringComparison.Ordinal)
        || string.Equals(served, wanted + ":latest", StringComparison.Ordinal)
        || string.Equals(served + ":latest", wanted, StringComparison.Ordinal);

    /// <summary>
    /// The prompt format: from the settings, else from the model's name (Qwen2.5-Coder, DeepSeek-Coder, Code Llama,
    /// StarCoder). Null, with a sentence, when neither says.
    /// </summary>
    public static PromptFormat? ChooseFormat(TeamServerSettings settings, string? model, out string? problem)
    {
        problem = null;
        var name = (model ?? "").ToLowerInvariant();
        FimFormat? fim;
        if (settings.PromptFormat is { } id)
        {
            fim = id == "none" ? null : FimFormat.All.FirstOrDefault(f => f.Id == id);
            if (fim is null && id != "none")
            {
                problem = $"backend.promptFormat \"{id}\" is unknown (known: {string.Join(", ", FimFormat.All.Select(f => f.Id))}, none)";
                return null;
            }
        }
        else
        {
            fim = name.Contains("qwen") ? FimFormat.Qwen
                : name.Contains("deepseek") ? FimFormat.DeepSeek
                : name.Contains("codellama") || name.Contains("code-llama") || name.Contains("code_llama") ? FimFormat.CodeLlama
                : name.Contains("starcoder") ? FimFormat.StarCoder
                : null;
            // llama.cpp builds the FIM prompt from the model's own tokens: our format only matters for the other engines.
            if (fim is null && settings.Kind == TeamServerKind.LlamaCpp)
                fim = FimFormat.Qwen;
            if (fim is null && model is not null)
            {
                problem = $"the model name \"{model}\" does not say which FIM format it was trained with; set backend.promptFormat (qwen, deepseek, codellama, starcoder, or none for instruction prompts)";
                return null;
            }
        }
        ChatFormat chat;
        if (settings.ChatFormat is { } chatId)
        {
            chat = ChatFormat.All.FirstOrDefault(f => f.Id == chatId)!;
            if (chat is null)
            {
                problem = $"backend.chatFormat \"{chatId}\" is unknown (known: {string.Join(", ", ChatFormat.All.Select(f => f.Id))})";
                return null;
            }
        }
        else
        {
            chat = name.Contains("llama-3") || name.Contains("llama3") ? ChatFormat.Llama3 : name.Contains("phi") ? ChatFormat.Phi3 : ChatFormat.ChatMl;
        }
        return new PromptFormat(fim, chat);
    }

    public void Dispose() => _connection.Dispose();

    /// <summary>One choice's reply as it streams in.</summary>
    private sealed class ChoiceReply(TokenStopper stopper)
    {
        public TokenStopper Stopper { get; } = stopper;
        public StringBuilder Text { get; } = new();
        public StopReason? Reason { get; set; }
        public int Tokens { get; set; }

        public void Append(string text, Action<string>? emit)
        {
            if (text.Length == 0)
                return;
            Text.Append(text);
            emit?.Invoke(text);
        }

        public void Finish(StopReason reason, Action<string>? emit)
        {
            Append(Stopper.Flush(), emit);
            Reason = reason;
        }
    }
}
