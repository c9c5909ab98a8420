using System.Text.Json;
using System.Text.Json.Serialization;

namespace CodeAssist.Server.Transport;

/// <summary>The JSON settings of every LSP message's params and results: StreamJsonRpc's formatter and <see cref="EarlyInitialize"/>.</summary>
internal static class LspJson
{
    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        options.PropertyNameCaseInsensitive = true;
        return options;
    }
}
