namespace CodeAssist.Server.Transport;

/// <summary>
/// A read-only stream that gives bytes already read from <paramref name="rest"/> first, then reads on from it: what
/// StreamJsonRpc reads after <see cref="EarlyInitialize"/> read further than the message it answered (or left the
/// message to it).
/// </summary>
/// <param name="ownsRest">Disposing this disposes <paramref name="rest"/> (false when the stream is also the connection's
/// output, whose side disposes it once everything is flushed).</param>
internal sealed class ReplayStream(ReadOnlyMemory<byte> readAhead, Stream rest, bool ownsRest) : Stream
{
    private ReadOnlyMemory<byte> _readAhead = readAhead;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer) => TakeReadAhead(buffer) is var taken and > 0 ? taken : rest.Read(buffer);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        TakeReadAhead(buffer.Span) is var taken and > 0 ? ValueTask.FromResult(taken) : rest.ReadAsync(buffer, cancellationToken);

    private int TakeReadAhead(Span<byte> buffer)
    {
        if (_readAhead.IsEmpty || buffer.IsEmpty)
            return 0;
        var taken = Math.Min(buffer.Length, _readAhead.Length);
        _readAhead.Span[..taken].CopyTo(buffer);
        _readAhead = _readAhead[taken..];
        return taken;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && ownsRest)
            rest.Dispose();
        base.Dispose(disposing);
    }
}
