using System.Text.Json;

namespace CodeAssist.Inference.Remote;

/// <summary>The wire protocols CodeAssist speaks to a team's inference server.</summary>
public enum TeamServerKind
{
    /// <summary>The OpenAI-compatible routes of vLLM, TGI and llama.cpp: <c>/v1/completions</c>, <c>/v1/chat/completions</c>.</summary>
    OpenAi,

    /// <summary>llama.cpp's <c>llama-server</c>: <c>/infill</c> and <c>/completion</c>.</summary>
    LlamaCpp,

    /// <summary>Ollama: <c>/api/generate</c> and <c>/api/chat</c>.</summary>
    Ollama,
}

/// <summary>
/// The <c>backend</c> setting when it names a server. The API key is never part of it: settings sync between
/// machines and end up in dotfile repositories, so they only say where the key is (an environment variable or a file).
/// </summary>
public sealed record TeamServerSettings(TeamServerKind Kind, Uri Url)
{
    /// <summary>Model name on the server; for openai and llamacpp the server's only model when absent.</summary>
    public string? Model { get; init; }

    /// <summary>FIM format id (qwen, deepseek, codellama, starcoder, codeassist, none); guessed from the model name when absent.</summary>
    public string? PromptFormat { get; init; }

    /// <summary>Chat template id (chatml, phi3, llama3, codeassist) for llama.cpp's <c>/completion</c>; guessed when absent.</summary>
    public string? ChatFormat { get; init; }

    /// <summary>Name of the environment variable that holds the API key.</summary>
    public string? ApiKeyEnv { get; init; }

    /// <summary>Path of a file whose first line is the API key.</summary>
    public string? ApiKeyFile { get; init; }

    /// <summary>PEM file of the certificate authorities that sign the server's certificate (in-house CAs).</summary>
    public string? CaBundle { get; init; }

    /// <summary>Client certificate for mutual TLS: a PEM certificate (with <see cref="ClientKey"/>) or a PKCS#12 file.</summary>
    public string? ClientCertificate { get; init; }

    /// <summary>PEM private key of <see cref="ClientCertificate"/>.</summary>
    public string? ClientKey { get; init; }

    /// <summary>Tokens the served model takes (prompt and reply); asked from the server when absent.</summary>
    public int? ContextLength { get; init; }

    /// <summary>
    /// The LSP language ids the served model completes: a team server folder's codeassist.json <c>languages</c>, as a
    /// local model folder's (<see cref="Models.ModelLanguages"/>); every language when absent.
    /// </summary>
    public IReadOnlyList<string>? Languages { get; init; }

    /// <summary>How long Ollama keeps the model loaded after a request (its <c>keep_alive</c>).</summary>
    public string KeepAlive { get; init; } = "30m";

    /// <summary>Use the local model while the server cannot be reached.</summary>
    public bool FallbackToLocal { get; init; }

    /// <summary>Log request bodies (prompts, so code) to the server log; off unless the user debugs.</summary>
    public bool LogPrompts { get; init; }

    /// <summary>scheme://host:port — the one endpoint this backend may contact.</summary>
    public string Endpoint => $"{Url.Scheme}://{Url.Host}:{Url.Port}";

    public static string KindName(TeamServerKind kind) => kind switch
    {
        TeamServerKind.OpenAi => "openai",
        TeamServerKind.LlamaCpp => "llamacpp",
        _ => "ollama",
    };

    public static TeamServerKind ParseKind(string? kind) => kind?.Trim().ToLowerInvariant() switch
    {
        "openai" or "vllm" or "tgi" => TeamServerKind.OpenAi,
        "llamacpp" or "llama.cpp" or "llama-server" => TeamServerKind.LlamaCpp,
        "ollama" => TeamServerKind.Ollama,
        _ => throw new ArgumentException($"backend kind \"{kind}\" is unknown; use openai (vLLM, TGI), llamacpp or ollama"),
    };

    /// <summary>
    /// A server URL: http or https with a host, no user name or password in it (a URL ends up in logs and status
    /// bars). A trailing <c>/v1</c> is dropped, since the OpenAI routes are added to it.
    /// </summary>
    public static Uri ParseUrl(string? url)
    {
        if (string.IsNullOrWhiteSpace(url) || !Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) || uri.Host.Length == 0)
        {
            throw new ArgumentException($"backend url \"{url}\" is not an http:// or https:// URL with a host");
        }
        if (uri.UserInfo.Length > 0)
        {
            throw new ArgumentException("backend url must not carry a user name or password; " +
                "put the API key in the variable named by backend.apiKeyEnv or the file named by backend.apiKeyFile");
        }
        var path = uri.AbsolutePath.TrimEnd('/');
        if (path.EndsWith("/v1", StringComparison.Ordinal))
            path = path[..^3];
        return new UriBuilder(uri.Scheme, uri.Host, uri.Port, path + "/").Uri;
    }

    /// <summary>
    /// The <c>backend</c> setting: <c>"local"</c> (null) or an object. Throws <see cref="ArgumentException"/> with a
    /// sentence per problem; an <c>apiKey</c> field is refused outright.
    /// </summary>
    /// <remarks>
    /// <paramref name="baseDirectory"/>: where relative file paths (caBundle, apiKeyFile, client certificate and key)
    /// are taken from — a model folder's codeassist.json ships its CA bundle beside it; settings need absolute paths.
    /// </remarks>
    public static TeamServerSettings? Parse(JsonElement value, string? baseDirectory = null)
    {
        if (value.ValueKind == JsonValueKind.String)
            return ParseOption(value.GetString());
        if (value.ValueKind == JsonValueKind.Null)
            return null;
        if (value.ValueKind != JsonValueKind.Object)
            throw new ArgumentException("backend must be \"local\" or an object { kind, url, model, … }");
        if (value.TryGetProperty("apiKey", out _))
        {
            throw new ArgumentException("backend.apiKey is refused: settings are synced and shared, so a key there leaks; " +
                "name an environment variable in backend.apiKeyEnv or a file in backend.apiKeyFile");
        }
        string? Text(string name) => value.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
        bool Flag(string name) => value.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.True;
        var kind = Text("kind") ?? throw new ArgumentException("backend.kind is missing; use openai (vLLM, TGI), llamacpp or ollama");
        if (kind.Equals("local", StringComparison.OrdinalIgnoreCase))
            return null;
        int? contextLength = value.TryGetProperty("contextLength", out var c) && c.ValueKind == JsonValueKind.Number
            ? Math.Clamp(c.GetInt32(), 256, 1 << 20)
            : null;
        var fallback = Text("fallback");
        if (fallback is not null && fallback != "local" && fallback != "none")
            throw new ArgumentException($"backend.fallback \"{fallback}\" is unknown; use \"local\" or leave it out");
        return new TeamServerSettings(ParseKind(kind), ParseUrl(Text("url")))
        {
            Model = Text("model"),
            PromptFormat = Text("promptFormat"),
            ChatFormat = Text("chatFormat"),
            ApiKeyEnv = Text("apiKeyEnv"),
            ApiKeyFile = ExpandPath(Text("apiKeyFile"), baseDirectory),
            CaBundle = ExpandPath(Text("caBundle"), baseDirectory),
            ClientCertificate = ExpandPath(Text("clientCertificate"), baseDirectory),
            ClientKey = ExpandPath(Text("clientKey"), baseDirectory),
            ContextLength = contextLength,
            KeepAlive = Text("keepAlive") ?? "30m",
            FallbackToLocal = fallback == "local",
            LogPrompts = Flag("logPrompts"),
        };
    }

    /// <summary>
    /// The command line's <c>--backend</c>: <c>local</c>, <c>KIND=URL</c> (<c>llamacpp=http://gpu01:8080</c>) or a URL
    /// alone, which means the OpenAI-compatible routes (vLLM, TGI) unless its port is Ollama's 11434.
    /// </summary>
    public static TeamServerSettings? ParseOption(string? option)
    {
        if (string.IsNullOrWhiteSpace(option) || option.Trim().Equals("local", StringComparison.OrdinalIgnoreCase))
            return null;
        var text = option.Trim();
        var equals = text.IndexOf('=', StringComparison.Ordinal);
        if (equals > 0 && !text[..equals].Contains(':', StringComparison.Ordinal))
            return new TeamServerSettings(ParseKind(text[..equals]), ParseUrl(text[(equals + 1)..]));
        var url = ParseUrl(text);
        return new TeamServerSettings(url.Port == 11434 ? TeamServerKind.Ollama : TeamServerKind.OpenAi, url);
    }

    private static string? ExpandPath(string? path, string? baseDirectory)
    {
        if (string.IsNullOrWhiteSpace(path))
            return null;
        var expanded = path.StartsWith('~') ? Path.Join(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path[1..]) : path;
        if (!Path.IsPathFullyQualified(expanded) && baseDirectory is not null)
            expanded = Path.Combine(baseDirectory, expanded);
        if (!Path.IsPathFullyQualified(expanded))
            throw new ArgumentException($"\"{path}\" is not an absolute path");
        return Path.GetFullPath(expanded);
    }

    /// <summary>What status bars show: "llamacpp at https://gpu01:8080" (never a key, never a path).</summary>
    public string Describe() => $"{KindName(Kind)} at {Endpoint}";
}
