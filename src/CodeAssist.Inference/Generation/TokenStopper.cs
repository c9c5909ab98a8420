namespace CodeAssist.Inference.Generation;

/// <summary>
/// Decides where a reply ends: on stop token ids, or on stop strings that may span several tokens.
/// Text that could still be the start of a stop string is held back, so streamed output never shows a stop string.
/// </summary>
internal sealed class TokenStopper(IReadOnlySet<int> stopTokenIds, IReadOnlyList<string> stopStrings)
{
    private readonly System.Text.StringBuilder _text = new();
    private int _released;

    public bool IsStopToken(int token) => stopTokenIds.Contains(token);

    /// <summary>Adds decoded text; returns the part that is safe to release and whether a stop string was hit.</summary>
    public (string Released, bool Stopped) Add(string piece)
    {
        _text.Append(piece);
        var text = _text.ToString();
        // One piece may complete several stop strings; the reply ends at the earliest.
        var earliest = -1;
        foreach (var stop in stopStrings)
        {
            if (stop.Length == 0)
                continue;
            var at = text.IndexOf(stop, Math.Max(0, _released - stop.Length + 1), StringComparison.Ordinal);
            if (at >= 0 && (earliest < 0 || at < earliest))
                earliest = at;
        }
        if (earliest >= 0)
        {
            var released = earliest > _released ? text[_released..earliest] : "";
            _released = Math.Max(_released, earliest);
            return (released, true);
        }

        var safeEnd = text.Length - LongestPendingStopStart(text);
        var release = safeEnd > _released ? text[_released..safeEnd] : "";
        _released = Math.Max(_released, safeEnd);
        return (release, false);
    }

    /// <summary>The text held back at the end that is not part of a stop string after all.</summary>
    public string Flush() => _text.ToString()[_released..];

    public string Text => _text.ToString()[.._released];

    private int LongestPendingStopStart(string text)
    {
        var longest = 0;
        foreach (var stop in stopStrings)
        {
            for (var length = Math.Min(stop.Length - 1, text.Length); length > longest; length--)
            {
                if (text.AsSpan(text.Length - length).SequenceEqual(stop.AsSpan(0, length)))
                {
                    longest = length;
                    break;
                }
            }
        }
        return longest;
    }
}
