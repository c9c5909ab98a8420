using System.Buffers;
using System.Globalization;
using System.Text;

namespace CodeAssist.Server.Transport;

/// <summary>What reading a header block found: a complete header, not enough bytes yet, or bytes that are no header.</summary>
internal enum HeaderStatus
{
    Complete,
    Incomplete,
    Invalid,
}

/// <summary>
/// The header part of LSP's base protocol: ASCII "Name: value" lines ended by an empty line, of which only
/// Content-Length matters (Content-Type may only say UTF-8, so it is read past). Also finds where the next header
/// may start in bytes that are not one, so that a reader can skip garbage instead of giving up on the stream.
/// </summary>
internal static class LspHeader
{
    /// <summary>A header block longer than this is garbage: real ones are two short lines.</summary>
    public const int MaxHeaderBytes = 8 * 1024;

    private static readonly byte[] End = "\r\n\r\n"u8.ToArray();
    private static readonly byte[] ContentLengthName = "Content-Length"u8.ToArray();

    /// <summary>
    /// Reads a header block at the start of <paramref name="buffer"/>. On <see cref="HeaderStatus.Complete"/>,
    /// <paramref name="headerLength"/> counts the bytes up to and including the empty line; on
    /// <see cref="HeaderStatus.Invalid"/>, <paramref name="problem"/> says what is wrong in words for the client.
    /// </summary>
    public static HeaderStatus TryRead(ReadOnlySequence<byte> buffer, out long headerLength, out long contentLength, out string? problem)
    {
        headerLength = 0;
        contentLength = 0;
        problem = null;
        var reader = new SequenceReader<byte>(buffer);
        if (!reader.TryReadTo(out ReadOnlySequence<byte> block, End, advancePastDelimiter: true))
        {
            if (buffer.Length <= MaxHeaderBytes)
                return HeaderStatus.Incomplete;
            problem = $"no header end (an empty line) within {MaxHeaderBytes} bytes";
            return HeaderStatus.Invalid;
        }
        if (block.Length > MaxHeaderBytes)
        {
            problem = $"a header of {block.Length} bytes (headers are at most {MaxHeaderBytes})";
            return HeaderStatus.Invalid;
        }
        var bytes = block.ToArray();
        foreach (var b in bytes)
        {
            if (b >= 0x80 || (b < 0x20 && b is not (byte)'\r' and not (byte)'\n' and not (byte)'\t'))
            {
                problem = $"a header with a byte 0x{b:X2} that is not printable ASCII ({Quote(bytes)})";
                return HeaderStatus.Invalid;
            }
        }
        long? length = null;
        foreach (var line in Encoding.ASCII.GetString(bytes).Split("\r\n"))
        {
            if (line.Length == 0)
                continue;
            var colon = line.IndexOf(':');
            if (colon <= 0 || !IsToken(line.AsSpan(0, colon)))
            {
                problem = $"a header line that is not \"Name: value\" ({Quote(bytes)})";
                return HeaderStatus.Invalid;
            }
            if (!line.AsSpan(0, colon).Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
                continue;
            var value = line[(colon + 1)..].Trim();
            if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
            {
                problem = $"Content-Length \"{Shorten(value)}\" is not a length in bytes";
                return HeaderStatus.Invalid;
            }
            if (length is { } earlier && earlier != parsed)
            {
                problem = $"two Content-Length headers ({earlier} and {parsed})";
                return HeaderStatus.Invalid;
            }
            length = parsed;
        }
        if (length is null)
        {
            problem = $"a header without Content-Length ({Quote(bytes)})";
            return HeaderStatus.Invalid;
        }
        headerLength = reader.Consumed;
        contentLength = length.Value;
        return HeaderStatus.Complete;
    }

    /// <summary>
    /// The offset in <paramref name="buffer"/>, at or after <paramref name="from"/>, where a header may start: a
    /// "Content-Length" (in any case), or the tail that could still become one when more bytes arrive. Everything
    /// before the returned offset is garbage. <paramref name="complete"/> is true when the whole name was found.
    /// </summary>
    public static long NextHeaderCandidate(ReadOnlySequence<byte> buffer, long from, out bool complete)
    {
        complete = false;
        if (from >= buffer.Length)
            return buffer.Length;
        var reader = new SequenceReader<byte>(buffer.Slice(from));
        Span<byte> window = stackalloc byte[ContentLengthName.Length];
        while (reader.TryAdvanceToAny("Cc"u8, advancePastDelimiter: false))
        {
            if (!reader.TryCopyTo(window))
            {
                // Too few bytes left to tell: keep them if they are the start of the name.
                var rest = reader.UnreadSequence.ToArray();
                if (Ascii.EqualsIgnoreCase(rest, ContentLengthName.AsSpan(0, rest.Length)))
                {
                    complete = false;
                    return from + reader.Consumed;
                }
                reader.Advance(1);
                continue;
            }
            if (Ascii.EqualsIgnoreCase(window, ContentLengthName))
            {
                complete = true;
                return from + reader.Consumed;
            }
            reader.Advance(1);
        }
        complete = false;
        return buffer.Length;
    }

    /// <summary>Whitespace and stray line ends between messages are tolerated; the count of such bytes at the start.</summary>
    public static long LeadingWhitespace(ReadOnlySequence<byte> buffer)
    {
        var reader = new SequenceReader<byte>(buffer);
        return reader.AdvancePastAny((byte)' ', (byte)'\t', (byte)'\r', (byte)'\n');
    }

    public static byte[] Encode(long contentLength) => Encoding.ASCII.GetBytes($"Content-Length: {contentLength}\r\n\r\n");

    private static bool IsToken(ReadOnlySpan<char> name)
    {
        foreach (var c in name)
        {
            if (c <= ' ' || c >= 0x7F || "()<>@,;:\\\"/[]?={}".Contains(c, StringComparison.Ordinal))
                return false;
        }
        return true;
    }

    private static string Quote(byte[] bytes)
    {
        var text = new StringBuilder();
        foreach (var b in bytes.AsSpan(0, Math.Min(bytes.Length, 60)))
            text.Append(b is >= 0x20 and < 0x7F ? ((char)b).ToString() : b == '\r' ? "\\r" : b == '\n' ? "\\n" : $"\\x{b:X2}");
        return "\"" + text + (bytes.Length > 60 ? "…" : "") + "\"";
    }

    private static string Shorten(string value) => value.Length > 40 ? value[..40] + "…" : value;
}
