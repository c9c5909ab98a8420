using System.Buffers;
using System.Collections.Concurrent;
using System.Text.Json;
using CodeAssist.Engine.Hosting;
using StreamJsonRpc;
using StreamJsonRpc.Protocol;

namespace CodeAssist.Server.Transport;

/// <summary>
/// LSP's base protocol (Content-Length framing of UTF-8 JSON-RPC) for StreamJsonRpc, made to survive a client that
/// sends something wrong. StreamJsonRpc's own HeaderDelimitedMessageHandler throws on a bad header or body, and a
/// throwing read ends the connection (and with it the server). This handler answers instead, as JSON-RPC says:
/// ParseError (-32700) for a body that is not UTF-8 JSON, InvalidRequest (-32600) for JSON that is not a message,
/// a batch, a duplicate id of a request still in progress, or a message over the size limit; a broken header is
/// skipped up to the next "Content-Length". Dispatch (methods, params, cancellation) stays StreamJsonRpc's.
/// </summary>
public sealed class LspMessageHandler : PipeMessageHandler
{
    /// <summary>The default size limit: a 10 MB file of control characters is about 60 MB escaped as JSON.</summary>
    public const long DefaultMaxMessageBytes = 64L * 1024 * 1024;

    /// <summary>After this many protocol errors the rest are logged at debug level, so a flood does not fill the log.</summary>
    private const int LoudProblems = 20;

    /// <summary>How much of an oversized message is read to find its id.</summary>
    private const int OversizedPrefixBytes = 64 * 1024;

    private readonly ServerLog _log;
    private readonly long _maxMessageBytes;
    private readonly ConcurrentDictionary<RequestId, byte> _requestsInProgress = new();
    private readonly ConcurrentDictionary<RequestId, byte> _awaitingResponses = new();
    private readonly ConcurrentDictionary<JsonRpcMessage, byte> _ownErrors = new(ReferenceEqualityComparer.Instance);
    private readonly ArrayBufferWriter<byte> _body = new();
    private int _problems;
    private readonly TaskCompletionSource _firstResultWritten = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _resultToFlush;

    /// <summary>True while skipping bytes after a reported problem, so one bad message gets one answer.</summary>
    private bool _resynchronizing;

    public LspMessageHandler(Stream output, Stream input, IJsonRpcMessageFormatter formatter, ServerLog log, long maxMessageBytes = DefaultMaxMessageBytes)
        : base(output, input, formatter)
    {
        _log = log;
        _maxMessageBytes = maxMessageBytes;
    }

    /// <summary>
    /// Completes once the first result has been flushed to the client, or its write failed: the answer to `initialize`,
    /// since nothing else is answered with a result before it. The server builds its engine from then on.
    /// </summary>
    public Task FirstResultWritten => _firstResultWritten.Task;

    /// <summary>Protocol errors answered or logged since the start (for tests and the log).</summary>
    public int ProblemCount => Volatile.Read(ref _problems);

    protected override async ValueTask<JsonRpcMessage?> ReadCoreAsync(CancellationToken cancellationToken)
    {
        var reader = Reader!;
        while (true)
        {
            var read = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (!read.Buffer.IsEmpty)
                StartupTimeline.Mark(StartupTimeline.FirstByteRead);
            var buffer = read.Buffer;
            var whitespace = LspHeader.LeadingWhitespace(buffer);
            buffer = buffer.Slice(whitespace);
            switch (LspHeader.TryRead(buffer, out var headerLength, out var contentLength, out var headerProblem))
            {
                case HeaderStatus.Incomplete:
                    if (read.IsCompleted)
                    {
                        reader.AdvanceTo(buffer.End);
                        if (buffer.Length > 0)
                            Log($"the client's stream ended inside a message header ({buffer.Length} bytes)");
                        return null;
                    }
                    reader.AdvanceTo(buffer.Start, buffer.End);
                    continue;

                case HeaderStatus.Invalid:
                    {
                        // Skip to where the next header may start; one answer for the whole run of garbage.
                        var next = LspHeader.NextHeaderCandidate(buffer, 1, out var complete);
                        var report = !_resynchronizing;
                        _resynchronizing = true;
                        if (!complete && read.IsCompleted)
                        {
                            reader.AdvanceTo(buffer.End);
                            if (report)
                                Log($"skipped {buffer.Length} bytes that are not a message: {headerProblem}");
                            return null;
                        }
                        // With a whole "Content-Length" found, what follows is read at once; otherwise more bytes are needed.
                        if (complete)
                            reader.AdvanceTo(buffer.GetPosition(next));
                        else
                            reader.AdvanceTo(buffer.GetPosition(next), buffer.End);
                        if (report)
                        {
                            await AnswerAsync(new EnvelopeProblem(JsonRpcErrorCode.ParseError,
                                $"not an LSP message header: {headerProblem}; skipping to the next Content-Length header", RequestId.Null), cancellationToken)
                                .ConfigureAwait(false);
                        }
                        continue;
                    }
            }

            _resynchronizing = false;
            if (contentLength > _maxMessageBytes)
            {
                reader.AdvanceTo(buffer.GetPosition(headerLength));
                await SkipOversizedAsync(contentLength, cancellationToken).ConfigureAwait(false);
                continue;
            }

            // The whole message stays in the pipe until it is understood: a body that is not JSON may hold the next
            // message's header (a Content-Length that was too long), and reading resumes there.
            var total = headerLength + contentLength;
            while (buffer.Length < total && !read.IsCompleted)
            {
                reader.AdvanceTo(buffer.Start, buffer.End);
                read = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                buffer = read.Buffer;
            }
            if (buffer.Length < total)
            {
                reader.AdvanceTo(buffer.End);
                Log($"the client's stream ended {buffer.Length - headerLength} bytes into a message of {contentLength} bytes");
                return null;
            }

            // A fresh array per message: the formatter's JsonDocument keeps referring to it while the request runs.
            var body = buffer.Slice(headerLength, contentLength).ToArray();
            var envelope = JsonRpcEnvelope.Read(body, out var problem);
            if (problem?.Code == JsonRpcErrorCode.ParseError)
            {
                // A header inside, even one cut off at the end, means the length was too long: read on from there.
                var inner = LspHeader.NextHeaderCandidate(new ReadOnlySequence<byte>(body), 1, out _);
                reader.AdvanceTo(buffer.GetPosition(headerLength + inner));
                if (inner < body.Length)
                {
                    problem = problem with
                    {
                        Message = problem.Message + "; the Content-Length was probably too long, reading on at the next header inside it",
                    };
                }
                await AnswerAsync(problem, cancellationToken).ConfigureAwait(false);
                continue;
            }
            reader.AdvanceTo(buffer.GetPosition(total));
            if (problem is not null)
            {
                await AnswerAsync(problem, cancellationToken).ConfigureAwait(false);
                continue;
            }

            var message = Deserialize(body, envelope!.Value, out problem);
            if (message is not null)
                return message;
            await AnswerAsync(problem!, cancellationToken).ConfigureAwait(false);
        }
    }

    private JsonRpcMessage? Deserialize(byte[] body, Envelope envelope, out EnvelopeProblem? problem)
    {
        problem = null;
        // StreamJsonRpc ends the connection on a response it did not ask for; a confused client is no reason to stop.
        if (envelope.Kind == EnvelopeKind.Response && !_awaitingResponses.TryRemove(envelope.Id, out _))
        {
            problem = new(JsonRpcErrorCode.InvalidRequest,
                $"a response for id {envelope.Id}, which the server did not ask for or was already answered, was ignored", envelope.Id, Answer: false);
            return null;
        }
        if (envelope.Kind == EnvelopeKind.Request && !_requestsInProgress.TryAdd(envelope.Id, 0))
        {
            problem = new(JsonRpcErrorCode.InvalidRequest,
                $"request id {envelope.Id} is already used by a request in progress; ids must be unique", envelope.Id);
            return null;
        }
        try
        {
            return Formatter.Deserialize(new ReadOnlySequence<byte>(body));
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or NotSupportedException or ArgumentException
            or OverflowException)
        {
            if (envelope.Kind == EnvelopeKind.Request)
                _requestsInProgress.TryRemove(envelope.Id, out _);
            problem = new(JsonRpcErrorCode.InvalidRequest, $"the {envelope.Method ?? "response"} message could not be read: {e.Message}",
                envelope.Kind == EnvelopeKind.Request ? envelope.Id : RequestId.Null, Answer: envelope.Kind != EnvelopeKind.Response);
            return null;
        }
    }

    /// <summary>Reads past a message over the limit without keeping it, answering its id when the start shows one.</summary>
    private async Task SkipOversizedAsync(long contentLength, CancellationToken cancellationToken)
    {
        var reader = Reader!;
        var prefix = new ArrayBufferWriter<byte>(OversizedPrefixBytes);
        var remaining = contentLength;
        while (remaining > 0)
        {
            var read = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var take = Math.Min(read.Buffer.Length, remaining);
            var slice = read.Buffer.Slice(0, take);
            foreach (var segment in slice)
            {
                var room = OversizedPrefixBytes - prefix.WrittenCount;
                if (room <= 0)
                    break;
                var part = segment.Span[..Math.Min(room, segment.Length)];
                prefix.Write(part);
            }
            remaining -= take;
            reader.AdvanceTo(slice.End);
            if (remaining > 0 && read.IsCompleted)
                break;
        }
        var id = IdOfPrefix(prefix.WrittenSpan);
        await AnswerAsync(new EnvelopeProblem(JsonRpcErrorCode.InvalidRequest,
            $"the message is {contentLength} bytes; the server reads messages of at most {_maxMessageBytes} bytes", id), cancellationToken)
            .ConfigureAwait(false);
    }

    /// <summary>The top-level id in the start of a message, read as far as the bytes go.</summary>
    private static RequestId IdOfPrefix(ReadOnlySpan<byte> prefix)
    {
        try
        {
            var reader = new Utf8JsonReader(prefix, isFinalBlock: false, default);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                return RequestId.Null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isId = reader.ValueTextEquals("id"u8);
                if (!reader.Read())
                    return RequestId.Null;
                if (isId)
                {
                    return reader.TokenType switch
                    {
                        JsonTokenType.String => new RequestId(reader.GetString()),
                        JsonTokenType.Number when reader.TryGetInt64(out var number) => new RequestId(number),
                        _ => RequestId.Null,
                    };
                }
                if (!reader.TrySkip())
                    return RequestId.Null;
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
        }
        return RequestId.Null;
    }

    private async Task AnswerAsync(EnvelopeProblem problem, CancellationToken cancellationToken)
    {
        var id = problem.Id.IsEmpty ? RequestId.Null : problem.Id;
        Log($"{CodeName(problem.Code)} ({(int)problem.Code}){(id.IsNull ? "" : $" for request {id}")}: {problem.Message}");
        if (!problem.Answer)
            return;
        var error = Formatter is IJsonRpcMessageFactory factory ? factory.CreateErrorMessage() : new JsonRpcError();
        error.RequestId = id;
        error.Error = new JsonRpcError.ErrorDetail { Code = problem.Code, Message = problem.Message };
        _ownErrors.TryAdd(error, 0);
        try
        {
            await WriteAsync(error, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The client is gone; the next read ends the connection.
            _log.Debug($"could not answer a protocol error: {e.Message}");
        }
        finally
        {
            _ownErrors.TryRemove(error, out _);
        }
    }

    protected override void Write(JsonRpcMessage content, CancellationToken cancellationToken)
    {
        _body.ResetWrittenCount();
        Formatter.Serialize(_body, content);
        var writer = Writer!;
        writer.Write(LspHeader.Encode(_body.WrittenCount));
        writer.Write(_body.WrittenSpan);
        switch (content)
        {
            case JsonRpcRequest { IsResponseExpected: true } request:
                _awaitingResponses.TryAdd(request.RequestId, 0);
                break;
            // An answer frees its request's id; the transport's own answers to duplicates must not free the original's.
            case JsonRpcResult result when !_ownErrors.ContainsKey(content):
                _requestsInProgress.TryRemove(result.RequestId, out _);
                _resultToFlush = !_firstResultWritten.Task.IsCompleted;
                break;
            case JsonRpcError error when !_ownErrors.ContainsKey(content):
                _requestsInProgress.TryRemove(error.RequestId, out _);
                break;
        }
    }

    /// <summary>Called after each <see cref="Write"/> (the base class serializes both).</summary>
    protected override async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        try
        {
            await base.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (_resultToFlush)
            {
                _resultToFlush = false;
                _firstResultWritten.TrySetResult();
            }
        }
    }

    private void Log(string message)
    {
        var count = Interlocked.Increment(ref _problems);
        if (count <= LoudProblems)
            _log.Warn($"protocol: {message}");
        else
            _log.Debug($"protocol: {message}");
        if (count == LoudProblems)
            _log.Warn($"protocol: {LoudProblems} protocol errors so far; further ones are logged at debug level");
    }

    private static string CodeName(JsonRpcErrorCode code) => code switch
    {
        JsonRpcErrorCode.ParseError => "parse error",
        JsonRpcErrorCode.InvalidRequest => "invalid request",
        _ => code.ToString(),
    };
}
