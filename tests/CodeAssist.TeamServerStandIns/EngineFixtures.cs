using System.Text.Json;

namespace CodeAssist.TeamServerStandIns;

/// <summary>
/// Replies shaped as each engine's documentation shows them. Field names, nesting and the framing come from:
/// vLLM's OpenAI-compatible server (vllm/entrypoints/openai/engine/protocol.py: ErrorResponse {error: {message, type,
/// param, code}}, ModelCard with max_model_len, UsageInfo.prompt_tokens_details.cached_tokens; its API-key middleware
/// answers 401 {"error": "Unauthorized"}), llama.cpp's tools/server/README.md (/infill and /completion stream
/// {content, tokens, stop}, the last with stop_type, tokens_cached, timings; /v1/models; errors {error: {code,
/// message, type}}; 501 "Infill is not supported by this model"), and Ollama's docs/api.md (/api/generate NDJSON,
/// the final object with done, done_reason and the counts; /api/tags; errors {"error": "…"}).
/// </summary>
public static class EngineFixtures
{
    private static string J(object value) => JsonSerializer.Serialize(value);

    // ---- OpenAI-compatible (vLLM, TGI, llama.cpp's /v1) ----

    public static string OpenAiModels(string id, int maxModelLen = 32768) =>
        J(new
        {
            @object = "list",
            data = new[]
            {
                new
                {
                    id, @object = "model", created = 1735142223, owned_by = "vllm", root = id, parent = (string?)null, max_model_len = maxModelLen,
                    permission = Array.Empty<object>(),
                },
            },
        });

    /// <summary>One completion chunk per piece for choice <paramref name="index"/>; the last carries finish_reason.</summary>
    public static IEnumerable<string> OpenAiCompletionChunks(string model, IReadOnlyList<string> pieces, int index = 0, string finishReason = "stop")
    {
        for (var i = 0; i < pieces.Count; i++)
        {
            yield return J(new
            {
                id = "cmpl-8d2f6e0c",
                @object = "text_completion",
                created = 1735142300,
                model,
                choices = new[]
                {
                    new
                    {
                        index, text = pieces[i], logprobs = (object?)null, finish_reason = i == pieces.Count - 1 ? finishReason : null,
                        stop_reason = (object?)null,
                    },
                },
                usage = (object?)null,
            });
        }
    }

    /// <summary>The usage chunk vLLM sends last with stream_options.include_usage: no choices.</summary>
    public static string OpenAiUsageChunk(string model, int prompt, int completion, int? cached = null) => J(new
    {
        id = "cmpl-8d2f6e0c",
        @object = "text_completion",
        created = 1735142300,
        model,
        choices = Array.Empty<object>(),
        usage = new
        {
            prompt_tokens = prompt, total_tokens = prompt + completion, completion_tokens = completion,
            prompt_tokens_details = cached is null ? null : new { cached_tokens = cached },
        },
    });

    public static IEnumerable<string> OpenAiChatChunks(string model, IReadOnlyList<string> pieces)
    {
        yield return J(new
        {
            id = "chatcmpl-1", @object = "chat.completion.chunk", created = 1735142300, model,
            choices = new[] { new { index = 0, delta = new { role = "assistant", content = "" }, logprobs = (object?)null, finish_reason = (string?)null } },
        });
        for (var i = 0; i < pieces.Count; i++)
        {
            yield return J(new
            {
                id = "chatcmpl-1", @object = "chat.completion.chunk", created = 1735142300, model,
                choices = new[]
                {
                    new
                    {
                        index = 0, delta = new { role = (string?)null, content = pieces[i] }, logprobs = (object?)null,
                        finish_reason = i == pieces.Count - 1 ? "stop" : null,
                    },
                },
            });
        }
    }

    public static string VllmModelNotFound(string model) =>
        J(new { error = new { message = $"The model `{model}` does not exist.", type = "NotFoundError", param = "model", code = 404 } });

    public const string VllmUnauthorized = "{\"error\":\"Unauthorized\"}";

    /// <summary>TGI's error body shape (router/src/lib.rs ErrorResponse: error, error_type).</summary>
    public const string TgiOverloaded = "{\"error\":\"Model is overloaded\",\"error_type\":\"overloaded\"}";

    public static string VllmTokenize(int count, int maxModelLen = 32768) =>
        J(new { count, max_model_len = maxModelLen, tokens = Enumerable.Range(151659, count).ToArray(), token_strs = (object?)null });

    // ---- llama.cpp llama-server ----

    public static string LlamaCppModels(string id = "../models/qwen2.5-coder-7b-q8_0.gguf") =>
        J(new
        {
            @object = "list",
            data = new[]
            {
                new
                {
                    id, @object = "model", created = 1735142223, owned_by = "llamacpp",
                    meta = new { vocab_type = 2, n_vocab = 151936, n_ctx_train = 32768, n_embd = 3584, n_params = 7615616512L, size = 8098525184L },
                },
            },
        });

    /// <summary>/infill and /completion stream: one event per piece, then the final event with stop: true.</summary>
    public static IEnumerable<string> LlamaCppChunks(IReadOnlyList<string> pieces, int tokensCached = 0, int tokensEvaluated = 120, string stopType = "eos")
    {
        foreach (var piece in pieces)
        {
            yield return J(new
            {
                index = 0, content = piece, tokens = new[] { 1234 }, stop = false, id_slot = 0, tokens_predicted = 1, tokens_evaluated = tokensEvaluated,
            });
        }
        yield return J(new
        {
            index = 0,
            content = "",
            tokens = Array.Empty<int>(),
            id_slot = 0,
            stop = true,
            model = "qwen2.5-coder-7b",
            tokens_predicted = pieces.Count,
            tokens_evaluated = tokensEvaluated,
            generation_settings = new { n_predict = 64, temperature = 0.0 },
            prompt = "",
            has_new_line = false,
            truncated = false,
            stop_type = stopType,
            stopping_word = "",
            tokens_cached = tokensCached,
            timings = new
            {
                cache_n = tokensCached, prompt_n = tokensEvaluated - tokensCached, prompt_ms = 30.958, prompt_per_token_ms = 0.3, prompt_per_second = 3000.0,
                predicted_n = pieces.Count, predicted_ms = 66.1, predicted_per_token_ms = 18.9, predicted_per_second = 52.9,
            },
        });
    }

    public static string LlamaCppError(int code, string message, string type) => J(new { error = new { code, message, type } });

    public static readonly string LlamaCppNoInfill = LlamaCppError(
        501,
        "Infill is not supported by this model: prefix token is missing. suffix token is missing. middle token is missing. ",
        "not_supported_error");
    public static readonly string LlamaCppInvalidKey = LlamaCppError(401, "Invalid API Key", "authentication_error");
    public static readonly string LlamaCppLoading = LlamaCppError(503, "Loading model", "unavailable_error");

    // ---- Ollama ----

    public static string OllamaTags(params string[] names) => J(new
    {
        models = names.Select(name => new
        {
            name, model = name, modified_at = "2025-01-10T09:12:31.123Z", size = 4683087332L, digest = "sha256:2b0496514337",
            details = new
            {
                parent_model = "", format = "gguf", family = "qwen2", families = new[] { "qwen2" }, parameter_size = "7.6B", quantization_level = "Q4_K_M",
            },
        }),
    });

    public static string OllamaShow(bool insert) => J(new
    {
        modelfile = "# Modelfile generated by \"ollama show\"",
        template = insert ? "{{- if .Suffix }}<|fim_prefix|>{{ .Prompt }}<|fim_suffix|>{{ .Suffix }}<|fim_middle|>{{- else }}…{{- end }}" : "{{ .Prompt }}",
        details = new { format = "gguf", family = "qwen2" },
        capabilities = insert ? new[] { "completion", "insert" } : new[] { "completion" },
    });

    public static IEnumerable<string> OllamaGenerateLines(string model, IReadOnlyList<string> pieces, int promptEvalCount = 26, string doneReason = "stop")
    {
        foreach (var piece in pieces)
            yield return J(new { model, created_at = "2023-08-04T08:52:19.385406455-07:00", response = piece, done = false });
        yield return J(new
        {
            model, created_at = "2023-08-04T19:22:45.499127Z", response = "", done = true, done_reason = doneReason,
            total_duration = 10706818083L, load_duration = 6338219291L, prompt_eval_count = promptEvalCount, prompt_eval_duration = 130079000L,
            eval_count = pieces.Count, eval_duration = 4232710000L,
        });
    }

    public static IEnumerable<string> OllamaChatLines(string model, IReadOnlyList<string> pieces)
    {
        foreach (var piece in pieces)
        {
            yield return J(new
            {
                model, created_at = "2023-08-04T08:52:19.385406455-07:00", message = new { role = "assistant", content = piece }, done = false,
            });
        }
        yield return J(new
        {
            model, created_at = "2023-08-04T19:22:45.499127Z", message = new { role = "assistant", content = "" }, done = true, done_reason = "stop",
            total_duration = 4883583458L, load_duration = 1334875L, prompt_eval_count = 26, prompt_eval_duration = 342546000L,
            eval_count = pieces.Count, eval_duration = 4535599000L,
        });
    }

    public static string OllamaError(string message) => J(new { error = message });
}
