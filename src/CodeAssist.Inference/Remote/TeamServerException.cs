using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text.Json;

namespace CodeAssist.Inference.Remote;

/// <summary>What went wrong with a team server, so status UIs and fallback can tell a down server from a refused key.</summary>
public enum TeamServerFault
{
    ConnectionRefused,
    HostNotFound,
    Tls,
    Unauthorized,
    Forbidden,
    ModelNotFound,
    RouteNotFound,
    RateLimited,
    Unavailable,
    Stalled,
    MalformedReply,
    StreamCutShort,
    NoFimTokens,
    ServerError,
    Unreachable,
}

/// <summary>
/// A team server fault as a sentence for people: what failed, on which endpoint, and what to do. Messages never hold
/// the API key (server text is scrubbed of it) and never the prompt.
/// </summary>
public sealed class TeamServerException(TeamServerFault fault, string message, TimeSpan? retryAfter = null, Exception? inner = null)
    : InferenceUnavailableException(message, inner)
{
    public TeamServerFault Fault { get; } = fault;

    /// <summary>How long the server asked us to wait (429, 503 with Retry-After).</summary>
    public TimeSpan? RetryAfter { get; } = retryAfter;

    /// <summary>Faults where the server is not answering at all: the local fallback takes over for these.</summary>
    public bool ServerUnreachable => Fault is TeamServerFault.ConnectionRefused or TeamServerFault.HostNotFound or TeamServerFault.Tls
        or TeamServerFault.Unavailable or TeamServerFault.RateLimited or TeamServerFault.Stalled or TeamServerFault.Unreachable;

    /// <summary>Longest server text quoted in a message.</summary>
    private const int MaxQuoted = 200;

    /// <summary>Back-off when a 429 or 503 names no Retry-After.</summary>
    public static readonly TimeSpan DefaultBackOff = TimeSpan.FromSeconds(5);

    /// <summary>The fault an HTTP error status stands for, with the server's own error message quoted.</summary>
    public static TeamServerException FromStatus(
        HttpStatusCode status, string body, TimeSpan? retryAfter, TeamServerSettings settings, string path, string? model, string? secret)
    {
        var endpoint = settings.Endpoint;
        var said = Scrub(ErrorMessageOf(body), secret);
        var quoted = said.Length == 0 ? $"{(int)status} {status}" : $"{(int)status}: {said}";
        return status switch
        {
            HttpStatusCode.Unauthorized => new(TeamServerFault.Unauthorized,
                $"the team server at {endpoint} refused the API key ({quoted}); {KeyAdvice(settings)}"),
            HttpStatusCode.Forbidden => new(TeamServerFault.Forbidden,
                $"the team server at {endpoint} does not allow this key to use it ({quoted}); ask its administrator for access"),
            HttpStatusCode.NotFound when said.Contains("model", StringComparison.OrdinalIgnoreCase) => new(TeamServerFault.ModelNotFound,
                $"the team server at {endpoint} does not serve the model \"{model}\" ({quoted}); " +
                $"set backend.model to one it serves (codeassist doctor --backend {endpoint} lists them)"),
            HttpStatusCode.NotFound => new(TeamServerFault.RouteNotFound,
                $"the team server at {endpoint} has no {path} ({quoted}); " +
                $"check that backend.kind ({TeamServerSettings.KindName(settings.Kind)}) matches the server"),
            HttpStatusCode.NotImplemented when said.Contains("infill", StringComparison.OrdinalIgnoreCase) => NoFimTokens(settings, model, said),
            HttpStatusCode.TooManyRequests => new(TeamServerFault.RateLimited,
                $"the team server at {endpoint} is rate limiting ({quoted}); waiting {Seconds(retryAfter ?? DefaultBackOff)} before the next request",
                retryAfter ?? DefaultBackOff),
            HttpStatusCode.ServiceUnavailable => new(TeamServerFault.Unavailable,
                $"the team server at {endpoint} is busy or still loading ({quoted}); waiting {Seconds(retryAfter ?? DefaultBackOff)} before the next request",
                retryAfter ?? DefaultBackOff),
            _ => new(TeamServerFault.ServerError, $"the team server at {endpoint} answered {path} with an error ({quoted})"),
        };
    }

    public static TeamServerException NoFimTokens(TeamServerSettings settings, string? model, string detail) => new(TeamServerFault.NoFimTokens,
        $"the model {model ?? "on the server"} at {settings.Endpoint} cannot fill in the middle ({detail.TrimEnd()}); serve a base coder model " +
        "(Qwen2.5-Coder-7B, not -Instruct) or set backend.promptFormat to \"none\" for instruction prompts");

    /// <summary>A transport failure: refused, unknown host, TLS, reset. <paramref name="certificateProblem"/> says which certificate failed and why.</summary>
    public static TeamServerException FromTransport(Exception e, TeamServerSettings settings, string? certificateProblem)
    {
        var endpoint = settings.Endpoint;
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            switch (inner)
            {
                case TeamServerException known:
                    return known;
                case AuthenticationException:
                    return new(TeamServerFault.Tls, certificateProblem is not null
                        ? $"the TLS handshake with {endpoint} failed: {certificateProblem}"
                        : $"the TLS handshake with {endpoint} failed ({FirstLine(inner.Message)}); " +
                          "if the server asks for a client certificate, set backend.clientCertificate",
                        inner: e);
                case SocketException { SocketErrorCode: SocketError.ConnectionRefused }:
                    return new(TeamServerFault.ConnectionRefused,
                        $"the team server at {endpoint} refused the connection; is it running and listening on port {settings.Url.Port}?", inner: e);
                case SocketException { SocketErrorCode: SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain }:
                    return new(TeamServerFault.HostNotFound,
                        $"the team server's host \"{settings.Url.Host}\" was not found by DNS; check backend.url", inner: e);
            }
        }
        if (certificateProblem is not null)
            return new(TeamServerFault.Tls, $"the TLS handshake with {endpoint} failed: {certificateProblem}", inner: e);
        return new(TeamServerFault.Unreachable, $"the team server at {endpoint} could not be reached ({FirstLine(e.Message)})", inner: e);
    }

    public static TeamServerException Malformed(TeamServerSettings settings, string what) => new(TeamServerFault.MalformedReply,
        $"the team server at {settings.Endpoint} sent a reply CodeAssist cannot read ({what}); " +
        $"check that backend.kind ({TeamServerSettings.KindName(settings.Kind)}) matches the server");

    public static TeamServerException CutShort(TeamServerSettings settings) => new(TeamServerFault.StreamCutShort,
        $"the team server at {settings.Endpoint} closed the stream before the reply was complete; the suggestion was dropped");

    public static TeamServerException Stalled(TeamServerSettings settings, TimeSpan deadline) => new(TeamServerFault.Stalled,
        $"the team server at {settings.Endpoint} sent nothing within {Seconds(deadline)} (the completion deadline); it may be overloaded");

    /// <summary>
    /// The error text of an error body: OpenAI/vLLM/llama.cpp <c>{"error":{"message"}}</c>, Ollama/TGI <c>{"error":"…"}</c>,
    /// or <c>{"message"}</c>.
    /// </summary>
    public static string ErrorMessageOf(string body)
    {
        if (string.IsNullOrWhiteSpace(body))
            return "";
        try
        {
            using var json = JsonDocument.Parse(body);
            var root = json.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                if (root.TryGetProperty("error", out var error))
                {
                    if (error.ValueKind == JsonValueKind.String)
                        return Clip(error.GetString()!);
                    if (error.ValueKind == JsonValueKind.Object && error.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String)
                        return Clip(m.GetString()!);
                }
                if (root.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String)
                    return Clip(message.GetString()!);
                if (root.TryGetProperty("detail", out var detail) && detail.ValueKind == JsonValueKind.String)
                    return Clip(detail.GetString()!);
            }
        }
        catch (JsonException)
        {
            // Not JSON (a proxy's HTML page): quote its start.
        }
        return Clip(body.Trim());
    }

    /// <summary>Removes the key from text a server sent, in case it echoes the Authorization header.</summary>
    public static string Scrub(string text, string? secret) =>
        string.IsNullOrEmpty(secret) || secret.Length < 4 ? text : text.Replace(secret, "[redacted]", StringComparison.Ordinal);

    private static string KeyAdvice(TeamServerSettings settings) =>
        settings.ApiKeyEnv is { } env ? $"check the key in the environment variable {env}"
        : settings.ApiKeyFile is { } file ? $"check the key in {file}"
        : "the server wants a key: name the environment variable that holds it in backend.apiKeyEnv, or a file in backend.apiKeyFile";

    private static string Clip(string text)
    {
        var line = FirstLine(text);
        return line.Length > MaxQuoted ? line[..MaxQuoted] + "…" : line;
    }

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();

    private static string Seconds(TimeSpan time) => time.TotalSeconds >= 1 ? $"{Math.Ceiling(time.TotalSeconds):0} s" : $"{time.TotalMilliseconds:0} ms";
}
