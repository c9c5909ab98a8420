using System.Text.Json;
using System.Text.Unicode;
using StreamJsonRpc;
using StreamJsonRpc.Protocol;

namespace CodeAssist.Server.Transport;

internal enum EnvelopeKind
{
    Request,
    Notification,
    Response,
}

/// <summary>The outer shape of one JSON-RPC message: what it is and its id; the rest is StreamJsonRpc's to read.</summary>
internal readonly record struct Envelope(EnvelopeKind Kind, RequestId Id, string? Method);

/// <summary>
/// Why a message body cannot be dispatched, with the JSON-RPC error code and the id to answer with
/// (<see cref="RequestId.Null"/> when it could not be read). Broken responses are never answered, only logged.
/// </summary>
internal sealed record EnvelopeProblem(JsonRpcErrorCode Code, string Message, RequestId Id, bool Answer = true);

/// <summary>
/// Checks a message body against JSON-RPC 2.0 before StreamJsonRpc sees it, because its formatter throws on anything
/// unexpected and a throwing read ends the connection. Only the envelope is checked (UTF-8, JSON, one object,
/// jsonrpc "2.0", id, method, params); parameters stay for the handlers, whose binding answers InvalidParams.
/// </summary>
internal static class JsonRpcEnvelope
{
    public static Envelope? Read(ReadOnlySpan<byte> body, out EnvelopeProblem? problem)
    {
        problem = null;
        if (body.IsEmpty)
        {
            problem = new(JsonRpcErrorCode.ParseError, "the message body is empty", RequestId.Null);
            return null;
        }
        if (!Utf8.IsValid(body))
        {
            problem = new(JsonRpcErrorCode.ParseError, "the message is not valid UTF-8; LSP messages are UTF-8 JSON", RequestId.Null);
            return null;
        }

        string? version = null, method = null;
        var id = RequestId.NotSpecified;
        bool badId = false, badMethod = false, badParams = false, hasResult = false, hasError = false, errorIsObject = false;
        try
        {
            var reader = new Utf8JsonReader(body);
            reader.Read();
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                var batch = reader.TokenType == JsonTokenType.StartArray;
                reader.Skip();
                reader.Read(); // throws on anything after the value, which makes it a parse error instead
                problem = new(JsonRpcErrorCode.InvalidRequest,
                    batch ? "JSON-RPC batches are not supported; send each message on its own" : "a JSON-RPC message is a JSON object",
                    RequestId.Null);
                return null;
            }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString();
                reader.Read();
                switch (name)
                {
                    case "jsonrpc":
                        version = reader.TokenType == JsonTokenType.String ? reader.GetString() : "(not a string)";
                        break;
                    case "id":
                        (id, badId) = reader.TokenType switch
                        {
                            JsonTokenType.String => (new RequestId(reader.GetString()), false),
                            JsonTokenType.Number when reader.TryGetInt64(out var number) => (new RequestId(number), false),
                            JsonTokenType.Null => (RequestId.Null, false),
                            _ => (RequestId.NotSpecified, true),
                        };
                        break;
                    case "method":
                        if (reader.TokenType == JsonTokenType.String)
                            method = reader.GetString();
                        else
                            badMethod = true;
                        break;
                    case "params":
                        // Null is not JSON-RPC but common from LSP clients (for shutdown and exit), and harmless.
                        badParams = reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray or JsonTokenType.Null);
                        break;
                    case "result":
                        hasResult = true;
                        break;
                    case "error":
                        hasError = true;
                        errorIsObject = reader.TokenType == JsonTokenType.StartObject;
                        break;
                }
                reader.Skip();
            }
            if (reader.Read())
                throw new JsonException("content after the message object");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            problem = new(JsonRpcErrorCode.ParseError, $"the message is not valid JSON: {e.Message}", RequestId.Null);
            return null;
        }

        if (badId)
        {
            problem = new(JsonRpcErrorCode.InvalidRequest, "\"id\" must be a string or an integer", RequestId.Null);
            return null;
        }
        var answerId = id.IsEmpty ? RequestId.Null : id;
        if (method is null && !badMethod)
        {
            if (hasResult || hasError)
            {
                var responseProblem = version != "2.0" ? $"\"jsonrpc\" is {Describe(version)}, not \"2.0\""
                    : id.IsEmpty || id.IsNull ? "a response without an id"
                    : hasResult && hasError ? "a response with both result and error"
                    : hasError && !errorIsObject ? "a response whose error is not an object"
                    : null;
                if (responseProblem is not null)
                {
                    problem = new(JsonRpcErrorCode.InvalidRequest, responseProblem, answerId, Answer: false);
                    return null;
                }
                return new Envelope(EnvelopeKind.Response, id, null);
            }
            problem = new(JsonRpcErrorCode.InvalidRequest, "the message has no \"method\" (a request or notification) and no \"result\" or \"error\" (a response)", answerId);
            return null;
        }
        var message = badMethod ? "\"method\" must be a string"
            : version != "2.0" ? $"\"jsonrpc\" is {Describe(version)}, not \"2.0\""
            : id.IsNull ? "a request id must be a string or an integer, not null"
            : badParams ? "\"params\" must be an object or an array (or absent)"
            : null;
        if (message is not null)
        {
            problem = new(JsonRpcErrorCode.InvalidRequest, message, answerId);
            return null;
        }
        return new Envelope(id.IsEmpty ? EnvelopeKind.Notification : EnvelopeKind.Request, id, method);
    }

    private static string Describe(string? version) => version is null ? "missing" : $"\"{(version.Length > 20 ? version[..20] + "…" : version)}\"";
}
