using System.Buffers;
using System.Text;
using CodeAssist.Server.Transport;
using Nerdbank.Streams;
using StreamJsonRpc;

namespace CodeAssist.Server.Tests.Reliability;

/// <summary>The framing rules one by one, in process: headers, where reading resumes after garbage, envelopes, the size limit.</summary>
public sealed class TransportFramingTests
{
    private static ReadOnlySequence<byte> Bytes(string text) => new(Encoding.Latin1.GetBytes(text));

    [Theory]
    [InlineData("Content-Length: 12\r\n\r\n{}", "Complete", 12)]
    [InlineData("content-length:7\r\n\r\n", "Complete", 7)]
    [InlineData("Content-Type: application/vscode-jsonrpc; charset=utf-8\r\nContent-Length: 3\r\n\r\n", "Complete", 3)]
    [InlineData("\r\nContent-Length: 3\r\n\r\n", "Complete", 3)]
    [InlineData("Content-Length: 3\r\n", "Incomplete", 0)]
    [InlineData("Content-Length: 3\n\n{}", "Incomplete", 0)]
    [InlineData("Content-Length: -3\r\n\r\n", "Invalid", 0)]
    [InlineData("Content-Length: 3.0\r\n\r\n", "Invalid", 0)]
    [InlineData("Content-Length: 99999999999999999999\r\n\r\n", "Invalid", 0)]
    [InlineData("Content-Length: 3\r\nContent-Length: 4\r\n\r\n", "Invalid", 0)]
    [InlineData("Content-Type: text/plain\r\n\r\n", "Invalid", 0)]
    [InlineData("Content Length: 3\r\n\r\n", "Invalid", 0)]
    [InlineData("Contént-Length: 3\r\n\r\n", "Invalid", 0)]
    [InlineData("{\"jsonrpc\":\"2.0\"}Content-Length: 3\r\n\r\n", "Invalid", 0)]
    public void A_header_is_complete_incomplete_or_invalid(string text, string expectedStatus, long length)
    {
        var expected = Enum.Parse<HeaderStatus>(expectedStatus);
        var status = LspHeader.TryRead(Bytes(text), out _, out var contentLength, out var problem);

        Assert.Equal(expected, status);
        Assert.Equal(length, contentLength);
        Assert.Equal(expected == HeaderStatus.Invalid, problem is not null);
    }

    [Fact]
    public void Bytes_that_never_end_a_header_are_invalid_past_the_header_limit()
    {
        Assert.Equal(HeaderStatus.Invalid, LspHeader.TryRead(Bytes(new string('x', LspHeader.MaxHeaderBytes + 1)), out _, out _, out _));
    }

    [Theory]
    [InlineData("garbageContent-Length: 5", 7, true)]
    [InlineData("garbage CONTENT-LENGTH: 5", 8, true)]
    [InlineData("Content-Length: 5 and Content-Length: 6", 22, true)]
    [InlineData("garbage Content-Le", 8, false)]
    [InlineData("garbage C", 8, false)]
    [InlineData("garbage Cx", 10, false)]
    [InlineData("no header here", 14, false)]
    [InlineData("", 0, false)]
    [InlineData("C", 1, false)]
    public void After_garbage_reading_resumes_where_a_content_length_starts_or_may_start(string text, long expected, bool complete)
    {
        // The search starts one byte in: the header that failed to parse is not found again.
        var next = LspHeader.NextHeaderCandidate(Bytes(text), 1, out var found);

        Assert.Equal(expected, next);
        Assert.Equal(complete, found);
    }

    [Theory]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"m\",\"params\":{}}", null)]
    [InlineData("{\"jsonrpc\":\"2.0\",\"method\":\"m\"}", null)]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":\"a\",\"method\":\"m\",\"params\":null}", null)]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":null}", null)]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":1,\"message\":\"m\"}}", null)]
    [InlineData("", -32700)]
    [InlineData("{", -32700)]
    [InlineData("{} {}", -32700)]
    [InlineData("[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"m\"}]", -32600)]
    [InlineData("7", -32600)]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":1}", -32600)]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":true,\"method\":\"m\"}", -32600)]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"m\"}", -32600)]
    [InlineData("{\"jsonrpc\":\"2.1\",\"id\":1,\"method\":\"m\"}", -32600)]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":[]}", -32600)]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"m\",\"params\":1}", -32600)]
    public void The_envelope_is_checked_before_streamjsonrpc_sees_it(string body, int? code)
    {
        var envelope = JsonRpcEnvelope.Read(Encoding.UTF8.GetBytes(body), out var problem);

        Assert.Equal(code, (int?)problem?.Code);
        Assert.Equal(code is null, envelope is not null);
    }

    [Fact]
    public async Task A_message_over_the_limit_is_answered_with_its_id_and_the_next_one_is_read()
    {
        var (server, client) = FullDuplexStream.CreatePair();
        var handler = new LspMessageHandler(server, server, new SystemTextJsonFormatter(), new ServerLog(LogLevel.Error), maxMessageBytes: 100);
        var body = "{\"jsonrpc\":\"2.0\",\"id\":\"big\",\"method\":\"m\",\"params\":{\"pad\":\"" + new string('p', 200) + "\"}}";
        var next = "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"next\"}";
        await client.WriteAsync(Encoding.UTF8.GetBytes($"Content-Length: {body.Length}\r\n\r\n{body}Content-Length: {next.Length}\r\n\r\n{next}"));

        var read = handler.ReadAsync(CancellationToken.None).AsTask();
        var answer = await ReadFrameAsync(client);
        var message = await read.WaitAsync(LspTestClient.HangGuard);

        Assert.Contains("\"id\":\"big\"", answer, StringComparison.Ordinal);
        Assert.Contains("-32600", answer, StringComparison.Ordinal);
        Assert.Equal("next", Assert.IsType<StreamJsonRpc.Protocol.JsonRpcRequest>(message, exactMatch: false).Method);
        Assert.Equal(1, handler.ProblemCount);
    }

    private static async Task<string> ReadFrameAsync(Stream stream)
    {
        var header = new StringBuilder();
        var one = new byte[1];
        while (!header.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            await stream.ReadExactlyAsync(one);
            header.Append((char)one[0]);
        }
        var body = new byte[int.Parse(header.ToString().Split(':')[1].Trim(), System.Globalization.CultureInfo.InvariantCulture)];
        await stream.ReadExactlyAsync(body);
        return Encoding.UTF8.GetString(body);
    }
}
