using System.CommandLine;

namespace CodeAssist.Server.Cli;

/// <summary>Options several commands share, spelled the same everywhere.</summary>
internal static class CommonOptions
{
    public static Option<string?> Model() => new("--model") { Description = "GenAI model folder (default: the installed default model)" };

    public static Option<string> Device() => new("--device")
    {
        Description = "Execution provider: auto tries CUDA and falls back to the CPU",
        DefaultValueFactory = _ => "auto",
    };

    /// <summary>A team's inference server instead of the local model; the key comes from CODEASSIST_API_KEY when set.</summary>
    public static Option<string?> Backend() => new("--backend")
    {
        Description = "local (default), or a team inference server: KIND=URL with KIND openai (vLLM, TGI), llamacpp or ollama " +
                      "(a URL alone means openai, or ollama on port 11434). The API key is read from CODEASSIST_API_KEY",
    };

    /// <summary>The <c>--backend</c> value as settings; the key's variable is named, never the key.</summary>
    public static Inference.Remote.TeamServerSettings? ParseBackend(string? value, string? model = null) =>
        Inference.Remote.TeamServerSettings.ParseOption(value) is { } backend
            ? backend with
            {
                Model = model ?? backend.Model,
                ApiKeyEnv = string.IsNullOrEmpty(Environment.GetEnvironmentVariable(ApiKeyVariable)) ? null : ApiKeyVariable,
            }
            : null;

    public const string ApiKeyVariable = "CODEASSIST_API_KEY";

    public static Argument<FileInfo> File() => new("file") { Description = "The source file" };

    public static Option<int> Line() => new("--line") { Description = "1-based line, as compilers print it", Required = true };

    public static Option<int> Column() => new("--column") { Description = "1-based column (UTF-16 characters), as compilers print it", Required = true };

}
