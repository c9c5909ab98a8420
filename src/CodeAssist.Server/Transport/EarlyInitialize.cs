using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization;
using CodeAssist.Engine.Hosting;
using CodeAssist.Server.Handlers;
using CodeAssist.Server.Protocol;
using StreamJsonRpc;

namespace CodeAssist.Server.Transport;

/// <summary>
/// Answers the connection's first message, when it is a well-formed `initialize` request, before StreamJsonRpc is
/// built (#19): the editor waits for that answer before it sends anything else, and building StreamJsonRpc (its
/// `JsonRpc`, the formatter, the dispatch table's reflection and the dozen assemblies they load) was most of the time
/// from Main to the answer. The message is read with our own framing (<see cref="LspHeader"/>) and checked with
/// <see cref="JsonRpcEnvelope"/>, its params read as the serializer would bind them (<see cref="ReadParams"/>), and
/// initialize's own dispatch target (the table's preamble and <c>InitializeHandler</c>) answers it.
/// Anything else first — another method, a broken header or body, params that are not plain — is left to StreamJsonRpc
/// untouched: the bytes read are handed back in front of the stream, so every answer to a faulty client stays the
/// one <see cref="LspMessageHandler"/> and the table give.
/// </summary>
internal static class EarlyInitialize
{
    /// <summary>An `initialize` larger than this (real ones are a few KiB) is left to StreamJsonRpc, which has the size rules.</summary>
    private const int MaxBytes = 1024 * 1024;

    /// <summary>The server's JSON settings (<see cref="LspJson"/>) over metadata generated at build time.</summary>
    private static readonly JsonSerializerOptions Options = LspJson.Configure(new JsonSerializerOptions { TypeInfoResolver = EarlyInitializeJson.Default });

    /// <summary>
    /// Reads the first message from <paramref name="input"/> and, when it is `initialize`, answers it on
    /// <paramref name="output"/> through <paramref name="initialize"/>.
    /// </summary>
    /// <param name="inputIsOutput">The two are one stream (an in-process duplex stream): the replay then leaves its disposal to the writer's side.</param>
    /// <returns>Whether it was answered, and the stream to read the rest of the connection from (the bytes read past the answered
    /// message, or every byte read when it was not answered, then <paramref name="input"/>).</returns>
    public static async Task<(bool Answered, Stream Remaining)> TryAnswerAsync(
        Stream input, Stream output, bool inputIsOutput, Func<InitializeParams, Task<InitializeResult>> initialize, ServerLog log)
    {
        var received = new ArrayBufferWriter<byte>(4096);
        var length = await ReadFirstMessageAsync(input, received).ConfigureAwait(false);
        var answer = length is { } message ? await AnswerAsync(received.WrittenMemory[message.Body], initialize, log).ConfigureAwait(false) : null;
        if (answer is null)
            return (false, Rest(received.WrittenMemory, input, inputIsOutput));
        try
        {
            await output.WriteAsync(LspHeader.Encode(answer.Length)).ConfigureAwait(false);
            await output.WriteAsync(answer).ConfigureAwait(false);
            await output.FlushAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // The client is gone; StreamJsonRpc's first read ends the connection.
            log.Debug($"could not answer initialize: {e.Message}");
        }
        return (true, Rest(received.WrittenMemory[length!.Value.End..], input, inputIsOutput));
    }

    private static Stream Rest(ReadOnlyMemory<byte> readAhead, Stream input, bool inputIsOutput) =>
        readAhead.IsEmpty ? input : new ReplayStream(readAhead, input, ownsRest: !inputIsOutput);

    /// <summary>Reads until one whole message is in <paramref name="received"/>; null when the bytes are no message to answer early.</summary>
    private static async Task<(System.Range Body, int End)?> ReadFirstMessageAsync(Stream input, ArrayBufferWriter<byte> received)
    {
        while (true)
        {
            int read;
            try
            {
                read = await input.ReadAsync(received.GetMemory(4096)).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException)
            {
                return null;
            }
            if (read == 0)
                return null;
            received.Advance(read);
            StartupTimeline.Mark(StartupTimeline.FirstByteRead);

            var buffer = new ReadOnlySequence<byte>(received.WrittenMemory);
            var whitespace = LspHeader.LeadingWhitespace(buffer);
            switch (LspHeader.TryRead(buffer.Slice(whitespace), out var headerLength, out var contentLength, out _))
            {
                case HeaderStatus.Invalid:
                    return null;
                case HeaderStatus.Incomplete:
                    continue;
            }
            if (contentLength > MaxBytes)
                return null;
            var start = (int)(whitespace + headerLength);
            var end = start + (int)contentLength;
            if (received.WrittenCount >= end)
                return (start..end, end);
        }
    }

    /// <summary>The framed body of the answer, or null when <paramref name="body"/> is not an `initialize` with plain params.</summary>
    private static async Task<byte[]?> AnswerAsync(
        ReadOnlyMemory<byte> body, Func<InitializeParams, Task<InitializeResult>> initialize, ServerLog log)
    {
        if (ReadRequest(body, out var id) is not { } parameters)
            return null;
        try
        {
            return Answer(id, await initialize(parameters).ConfigureAwait(false), failure: null);
        }
        catch (Exception e)
        {
            if (e is not LocalRpcException)
                log.Error($"initialize failed: {e}");
            return Answer(id, result: null, e);
        }
    }

    /// <summary>The params of an `initialize` request, or null when <paramref name="body"/> is something else or its params are not plain.</summary>
    private static InitializeParams? ReadRequest(ReadOnlyMemory<byte> body, out RequestId id)
    {
        id = RequestId.NotSpecified;
        var envelope = JsonRpcEnvelope.Read(body.Span, out var problem);
        if (problem is not null || envelope is not { Kind: EnvelopeKind.Request, Method: "initialize" } request)
            return null;
        id = request.Id;
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.TryGetProperty("params", out var element) ? ReadParams(element) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// <see cref="InitializeParams"/> as the serializer binds it with the server's settings (names in any case, the last
    /// of a repeated name, unknown names ignored, a URI as <c>Uri.TryCreate(…, RelativeOrAbsolute)</c>), or null for
    /// anything it might bind otherwise or refuse (StreamJsonRpc then reads the message). Read by hand because the
    /// serializer's first use costs more than everything else in the answer: making its options and its first
    /// deserialization of these params took 66 + 90 ms in a ReadyToRun process at load 25 (#19). That this binds as the
    /// serializer does, property for property, is EarlyInitializeTests'.
    /// </summary>
    internal static InitializeParams? ReadParams(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
            return null;
        var result = new InitializeParams();
        foreach (var property in element.EnumerateObject())
        {
            var value = property.Value;
            var isNull = value.ValueKind == JsonValueKind.Null;
            result = property.Name.ToLowerInvariant() switch
            {
                "processid" => isNull ? result with { ProcessId = null }
                    : value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number) ? result with { ProcessId = number } : null,
                "clientinfo" => isNull ? result with { ClientInfo = null } : ReadClientInfo(value) is { } client ? result with { ClientInfo = client } : null,
                "rooturi" => isNull ? result with { RootUri = null } : ReadUri(value) is { } uri ? result with { RootUri = uri } : null,
                "rootpath" => TryReadString(value, out var path) ? result with { RootPath = path } : null,
                "initializationoptions" => isNull ? null : result with { InitializationOptions = value.Clone() },
                "capabilities" => isNull ? null : result with { Capabilities = value.Clone() },
                "workspacefolders" => isNull ? result with { WorkspaceFolders = null }
                    : ReadFolders(value) is { } folders ? result with { WorkspaceFolders = folders } : null,
                _ => result,
            };
            if (result is null)
                return null;
        }
        return result;
    }

    private static ClientInfo? ReadClientInfo(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object)
            return null;
        string? name = null, version = null;
        foreach (var property in value.EnumerateObject())
        {
            if (string.Equals(property.Name, "name", StringComparison.OrdinalIgnoreCase) && !TryReadString(property.Value, out name))
                return null;
            if (string.Equals(property.Name, "version", StringComparison.OrdinalIgnoreCase) && !TryReadString(property.Value, out version))
                return null;
        }
        return new ClientInfo(name!, version);
    }

    private static WorkspaceFolder[]? ReadFolders(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Array)
            return null;
        var folders = new List<WorkspaceFolder>();
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object)
                return null;
            Uri? uri = null;
            string? name = null;
            foreach (var property in item.EnumerateObject())
            {
                if (string.Equals(property.Name, "uri", StringComparison.OrdinalIgnoreCase)
                    && (uri = property.Value.ValueKind == JsonValueKind.Null ? null : ReadUri(property.Value)) is null
                    && property.Value.ValueKind != JsonValueKind.Null)
                {
                    return null;
                }
                if (string.Equals(property.Name, "name", StringComparison.OrdinalIgnoreCase) && !TryReadString(property.Value, out name))
                    return null;
            }
            folders.Add(new WorkspaceFolder(uri!, name!));
        }
        return [.. folders];
    }

    private static bool TryReadString(JsonElement value, out string? text)
    {
        text = value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        return value.ValueKind is JsonValueKind.String or JsonValueKind.Null;
    }

    private static Uri? ReadUri(JsonElement value) =>
        value.ValueKind == JsonValueKind.String && Uri.TryCreate(value.GetString(), UriKind.RelativeOrAbsolute, out var uri) ? uri : null;

    /// <summary>
    /// The JSON-RPC response: <paramref name="result"/>, or the error <paramref name="failure"/> makes, as LanguageServerRpc
    /// answers a failed request.
    /// </summary>
    private static byte[] Answer(RequestId id, InitializeResult? result, Exception? failure)
    {
        var answer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(answer))
        {
            writer.WriteStartObject();
            writer.WriteString("jsonrpc", "2.0");
            writer.WritePropertyName("id");
            if (id.String is { } text)
                writer.WriteStringValue(text);
            else
                writer.WriteNumberValue(id.Number!.Value);
            if (failure is null)
            {
                writer.WritePropertyName("result");
                JsonSerializer.Serialize(writer, result, Options);
            }
            else
            {
                var (code, message) = failure is LocalRpcException own
                    ? (own.ErrorCode, own.Message)
                    : (LspErrorCodes.InternalError, RequestErrors.InternalErrorMessage("initialize", failure));
                writer.WriteStartObject("error");
                writer.WriteNumber("code", code);
                writer.WriteString("message", message);
                writer.WriteEndObject();
            }
            writer.WriteEndObject();
        }
        return answer.WrittenSpan.ToArray();
    }
}

/// <summary>
/// Serializer metadata generated at build time for the answer <see cref="EarlyInitialize"/> writes: with reflection,
/// System.Text.Json's first use of it emitted IL for its accessors (System.Reflection.Emit, #19). The settings are the
/// server's (<see cref="LspJson"/>), applied to options over this context.
/// </summary>
[JsonSerializable(typeof(InitializeResult))]
internal sealed partial class EarlyInitializeJson : JsonSerializerContext;
