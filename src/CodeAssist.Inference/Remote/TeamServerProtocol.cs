using System.Text.Json;
using System.Text.Json.Nodes;
using CodeAssist.Inference.Generation;

namespace CodeAssist.Inference.Remote;

/// <summary>One request on the wire: the route and its JSON body, fields in the order the engine's documentation lists them.</summary>
public sealed record WireRequest(string Path, JsonObject Body);

/// <summary>Text for one choice (candidate) of a streamed reply, and why that choice ended if it did.</summary>
public readonly record struct ChoiceText(int Index, string Text, string? FinishReason);

/// <summary>Token counts a server reports; <see cref="CachedTokens"/> is its prefix-cache hit.</summary>
public sealed record WireUsage(int? PromptTokens, int? CompletionTokens, int? CachedTokens);

/// <summary>One streamed event, read.</summary>
public sealed record WireEvent(IReadOnlyList<ChoiceText> Texts, bool Done, WireUsage? Usage, string? Error);

/// <summary>What a request needs besides the generation request itself.</summary>
public sealed record WireOptions(string? Model, int Choices, IReadOnlyList<string> Stop, int ContextLength, string KeepAlive);

/// <summary>A served model as the model list reports it.</summary>
public sealed record ServedModel(string Name, int? ContextLength);

/// <summary>
/// How one engine spells requests and streamed replies. Each implementation follows that engine's API documentation
/// (cited on the class); tests replay the documented replies against it.
/// </summary>
public abstract class TeamServerProtocol
{
    public static TeamServerProtocol For(TeamServerKind kind) => kind switch
    {
        TeamServerKind.OpenAi => new OpenAiProtocol(),
        TeamServerKind.LlamaCpp => new LlamaCppProtocol(),
        _ => new OllamaProtocol(),
    };

    /// <summary>Sampling for extra candidates, the same on every engine.</summary>
    protected const double SampledTemperature = 0.8, SampledTopP = 0.95;

    protected const int SampledTopK = 40;

    public abstract string ModelsPath { get; }

    /// <summary>Ollama streams newline-delimited JSON; the others server-sent events.</summary>
    public abstract bool NewlineDelimited { get; }

    /// <summary>Whether the server must be told the model's name in every request.</summary>
    public abstract bool NeedsModelName { get; }

    public abstract IReadOnlyList<ServedModel> ParseModels(JsonElement root);

    /// <summary>A completion: FIM (from <see cref="GenerationRequest.Fim"/> or the prompt) or a chat turn (<see cref="GenerationRequest.Chat"/>).</summary>
    public abstract WireRequest Completion(GenerationRequest request, WireOptions options);

    public abstract WireEvent Parse(JsonElement data);

    protected static JsonArray Strings(IEnumerable<string> values) => [.. values.Select(v => (JsonNode)JsonValue.Create(v)!)];

    protected static JsonArray Messages(ChatTurns chat) =>
    [
        new JsonObject { ["role"] = "system", ["content"] = chat.System },
        new JsonObject { ["role"] = "user", ["content"] = chat.User },
    ];

    protected static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    protected static int? Number(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var n) ? n : null;

    protected static string? ErrorOf(JsonElement data) =>
        data.ValueKind == JsonValueKind.Object && data.TryGetProperty("error", out _) ? TeamServerException.ErrorMessageOf(data.GetRawText()) : null;
}

/// <summary>
/// The OpenAI-compatible routes of vLLM (docs.vllm.ai, "OpenAI-Compatible Server"), TGI and llama.cpp: no
/// <c>suffix</c> field, so the FIM prompt built by our format goes in <c>prompt</c>; <c>n</c> choices for candidates;
/// server-sent events ending with <c>data: [DONE]</c>; <c>stream_options.include_usage</c> for the usage chunk
/// (vLLM adds <c>prompt_tokens_details.cached_tokens</c>, its prefix-cache hit, when started with
/// <c>--enable-prompt-tokens-details</c>).
/// </summary>
public sealed class OpenAiProtocol : TeamServerProtocol
{
    public override string ModelsPath => "v1/models";
    public override bool NewlineDelimited => false;
    public override bool NeedsModelName => true;

    public override IReadOnlyList<ServedModel> ParseModels(JsonElement root) =>
        root.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Array
            ? [.. data.EnumerateArray().Where(m => Text(m, "id") is not null).Select(m => new ServedModel(Text(m, "id")!, Number(m, "max_model_len")))]
            : throw new JsonException("no \"data\" list of models");

    public override WireRequest Completion(GenerationRequest request, WireOptions options)
    {
        var body = new JsonObject { ["model"] = options.Model };
        string path;
        if (request.Chat is { } chat)
        {
            path = "v1/chat/completions";
            body["messages"] = Messages(chat);
        }
        else
        {
            path = "v1/completions";
            body["prompt"] = request.Prompt;
        }
        body["max_tokens"] = request.MaxNewTokens;
        if (request.Sampling is { } sampling)
        {
            body["temperature"] = SampledTemperature;
            body["top_p"] = SampledTopP;
            body["seed"] = sampling.Seed;
        }
        else
        {
            body["temperature"] = 0;
        }
        if (options.Stop.Count > 0)
            body["stop"] = Strings(options.Stop);
        body["n"] = options.Choices;
        body["stream"] = true;
        body["stream_options"] = new JsonObject { ["include_usage"] = true };
        return new WireRequest(path, body);
    }

    public override WireEvent Parse(JsonElement data)
    {
        if (ErrorOf(data) is { } error)
            return new WireEvent([], false, null, error);
        var texts = new List<ChoiceText>();
        if (data.TryGetProperty("choices", out var choices) && choices.ValueKind == JsonValueKind.Array)
        {
            foreach (var choice in choices.EnumerateArray())
            {
                var text = Text(choice, "text")
                    ?? (choice.TryGetProperty("delta", out var delta) ? Text(delta, "content") : null)
                    ?? (choice.TryGetProperty("message", out var message) ? Text(message, "content") : null)
                    ?? "";
                texts.Add(new ChoiceText(Number(choice, "index") ?? 0, text, Text(choice, "finish_reason")));
            }
        }
        else if (!data.TryGetProperty("usage", out _))
        {
            throw new JsonException("an event with neither \"choices\" nor \"usage\"");
        }
        WireUsage? usage = null;
        if (data.TryGetProperty("usage", out var u) && u.ValueKind == JsonValueKind.Object)
        {
            usage = new WireUsage(Number(u, "prompt_tokens"), Number(u, "completion_tokens"),
                u.TryGetProperty("prompt_tokens_details", out var details) ? Number(details, "cached_tokens") : null);
        }
        return new WireEvent(texts, false, usage, null);
    }
}

/// <summary>
/// llama.cpp's <c>llama-server</c> (tools/server/README.md): <c>POST /infill</c> with <c>input_prefix</c>,
/// <c>input_suffix</c> and <c>input_extra</c> (<c>{filename, text}</c> chunks the server lays out with the model's own
/// repository tokens), <c>n_predict</c>, <c>cache_prompt</c>, <c>t_max_predict_ms</c>; chat through
/// <c>/completion</c> with our chat template. Streamed as server-sent events of <c>{content, stop}</c>; the last one
/// has <c>stop: true</c>, <c>tokens_cached</c> and <c>timings</c>. A model without FIM tokens answers 501
/// "Infill is not supported by this model".
/// </summary>
public sealed class LlamaCppProtocol : TeamServerProtocol
{
    public override string ModelsPath => "v1/models";
    public override bool NewlineDelimited => false;
    public override bool NeedsModelName => false;

    public override IReadOnlyList<ServedModel> ParseModels(JsonElement root) =>
        root.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Array
            ? [.. data.EnumerateArray().Where(m => Text(m, "id") is not null).Select(m => new ServedModel(Text(m, "id")!, null))]
            : throw new JsonException("no \"data\" list of models");

    public override WireRequest Completion(GenerationRequest request, WireOptions options)
    {
        var body = new JsonObject();
        string path;
        if (request.Fim is { } fim && request.Chat is null)
        {
            path = "infill";
            body["input_prefix"] = fim.Prefix;
            body["input_suffix"] = fim.Suffix;
            body["input_extra"] = new JsonArray([.. fim.ContextFiles.Select(f => (JsonNode)new JsonObject
            {
                ["filename"] = f.Path,
                ["text"] = f.Content.EndsWith('\n') ? f.Content : f.Content + "\n",
            })]);
        }
        else
        {
            path = "completion";
            body["prompt"] = request.Prompt;
        }
        body["n_predict"] = request.MaxNewTokens;
        body["cache_prompt"] = true;
        if (request.Deadline is { } deadline)
            body["t_max_predict_ms"] = (int)deadline.TotalMilliseconds;
        if (request.Sampling is { } sampling)
        {
            body["temperature"] = SampledTemperature;
            body["top_p"] = SampledTopP;
            body["top_k"] = SampledTopK;
            body["seed"] = sampling.Seed;
        }
        else
        {
            body["temperature"] = 0;
        }
        if (options.Stop.Count > 0)
            body["stop"] = Strings(options.Stop);
        body["stream"] = true;
        return new WireRequest(path, body);
    }

    public override WireEvent Parse(JsonElement data)
    {
        if (ErrorOf(data) is { } error)
            return new WireEvent([], false, null, error);
        if (data.ValueKind != JsonValueKind.Object || !data.TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.String)
            throw new JsonException("an event without \"content\"");
        var stop = data.TryGetProperty("stop", out var s) && s.ValueKind == JsonValueKind.True;
        var finish = stop ? (Text(data, "stop_type") ?? "eos") switch { "limit" => "length", _ => "stop" } : null;
        WireUsage? usage = null;
        if (stop)
        {
            var cached = Number(data, "tokens_cached") ?? (data.TryGetProperty("timings", out var timings) ? Number(timings, "cache_n") : null);
            usage = new WireUsage(Number(data, "tokens_evaluated"), Number(data, "tokens_predicted"), cached);
        }
        return new WireEvent([new ChoiceText(0, content.GetString()!, finish)], stop, usage, null);
    }
}

/// <summary>
/// Ollama (docs/api.md): <c>POST /api/generate</c> with <c>raw: true</c> (our FIM prompt as is, no template),
/// <c>options.num_predict</c>, <c>options.stop</c>, <c>keep_alive</c>; chat through <c>/api/chat</c>. Streamed as
/// newline-delimited JSON; the last object has <c>done: true</c> with <c>prompt_eval_count</c> and <c>eval_count</c>.
/// Errors are <c>{"error": "…"}</c>, also as a line of a stream.
/// </summary>
public sealed class OllamaProtocol : TeamServerProtocol
{
    public override string ModelsPath => "api/tags";
    public override bool NewlineDelimited => true;
    public override bool NeedsModelName => true;

    public override IReadOnlyList<ServedModel> ParseModels(JsonElement root) =>
        root.TryGetProperty("models", out var models) && models.ValueKind == JsonValueKind.Array
            ? [.. models.EnumerateArray().Where(m => (Text(m, "name") ?? Text(m, "model")) is not null).Select(m => new ServedModel((Text(m, "name") ?? Text(m, "model"))!, null))]
            : throw new JsonException("no \"models\" list");

    public override WireRequest Completion(GenerationRequest request, WireOptions options)
    {
        var body = new JsonObject { ["model"] = options.Model };
        string path;
        if (request.Chat is { } chat)
        {
            path = "api/chat";
            body["messages"] = Messages(chat);
        }
        else
        {
            path = "api/generate";
            body["prompt"] = request.Prompt;
            body["raw"] = true;
        }
        body["stream"] = true;
        body["keep_alive"] = options.KeepAlive;
        var parameters = new JsonObject { ["num_predict"] = request.MaxNewTokens };
        if (request.Sampling is { } sampling)
        {
            parameters["temperature"] = SampledTemperature;
            parameters["top_p"] = SampledTopP;
            parameters["top_k"] = SampledTopK;
            parameters["seed"] = sampling.Seed;
        }
        else
        {
            parameters["temperature"] = 0;
        }
        if (options.Stop.Count > 0)
            parameters["stop"] = Strings(options.Stop);
        // Ollama's default context is smaller than our prompts may be, and it cuts a long prompt from the start,
        // which would cut the FIM markers off: the window is said explicitly.
        parameters["num_ctx"] = options.ContextLength;
        body["options"] = parameters;
        return new WireRequest(path, body);
    }

    public override WireEvent Parse(JsonElement data)
    {
        if (ErrorOf(data) is { } error)
            return new WireEvent([], false, null, error);
        var text = Text(data, "response") ?? (data.TryGetProperty("message", out var message) ? Text(message, "content") : null);
        if (text is null || !data.TryGetProperty("done", out var doneValue) || doneValue.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            throw new JsonException("a line without \"response\" (or \"message\") and \"done\"");
        var done = doneValue.ValueKind == JsonValueKind.True;
        var finish = done ? (Text(data, "done_reason") == "length" ? "length" : "stop") : null;
        var usage = done ? new WireUsage(Number(data, "prompt_eval_count"), Number(data, "eval_count"), null) : null;
        return new WireEvent([new ChoiceText(0, text, finish)], done, usage, null);
    }
}
