using System.Runtime.CompilerServices;
using System.Text;

namespace CodeAssist.Inference.Remote;

/// <summary>
/// The two streaming framings the engines use. Server-sent events (OpenAI routes, llama.cpp): <c>data:</c> lines,
/// an event ends at a blank line, lines starting with <c>:</c> are comments (llama.cpp's pings), <c>data: [DONE]</c>
/// ends the stream. Newline-delimited JSON (Ollama): one object per line.
/// </summary>
public static class WireFraming
{
    /// <summary>What <see cref="ReadAsync"/> yields for <c>data: [DONE]</c>.</summary>
    public const string Done = "[DONE]";

    /// <summary>A line longer than this is not a token stream; reading stops instead of growing without bound.</summary>
    private const int MaxEventLength = 4 << 20;

    public static async IAsyncEnumerable<string> ReadAsync(Stream stream, bool newlineDelimited, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, bufferSize: 4096, leaveOpen: true);
        var data = new StringBuilder();
        var hasData = false;
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            if (line.Length > MaxEventLength || data.Length > MaxEventLength)
                throw new InvalidDataException($"a streamed event is longer than {MaxEventLength} characters");
            if (newlineDelimited)
            {
                if (line.Trim().Length > 0)
                    yield return line;
                continue;
            }
            if (line.Length == 0)
            {
                if (hasData)
                {
                    yield return data.ToString();
                    data.Clear();
                    hasData = false;
                }
                continue;
            }
            if (line[0] == ':')
                continue;
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var field = colon < 0 ? line : line[..colon];
            if (field != "data")
                continue;
            var value = colon < 0 ? "" : line[(colon + 1)..];
            if (value.StartsWith(' '))
                value = value[1..];
            if (hasData)
                data.Append('\n');
            data.Append(value);
            hasData = true;
        }
        // A last event without its blank line still counts: some servers end the stream right after it.
        if (hasData)
            yield return data.ToString();
    }
}
