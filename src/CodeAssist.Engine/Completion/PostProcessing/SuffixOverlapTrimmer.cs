namespace CodeAssist.Engine.Completion.PostProcessing;

/// <summary>
/// Cuts where a suggestion starts repeating what already follows the cursor: the rest of the current line
/// (<c>"hi");</c> before an existing <c>);</c>) or the next lines (a block that re-types the code below it).
/// </summary>
public static class SuffixOverlapTrimmer
{
    public static string Apply(string suggestion, SuggestionSite site)
    {
        suggestion = TrimRepeatedLines(suggestion, site.FollowingText);
        return TrimLineSuffixOverlap(suggestion, site.LineSuffix);
    }

    /// <summary>The longest end of the suggestion's first line that equals the start of the line's remaining text goes.</summary>
    private static string TrimLineSuffixOverlap(string suggestion, string lineSuffix)
    {
        var rest = lineSuffix.TrimEnd();
        if (rest.Length == 0)
            return suggestion;
        var newline = suggestion.IndexOf('\n');
        var firstLine = newline < 0 ? suggestion : suggestion[..newline];
        var trimmedFirst = firstLine.TrimEnd();
        for (var length = Math.Min(rest.Length, trimmedFirst.Length); length > 0; length--)
        {
            if (trimmedFirst.AsSpan(trimmedFirst.Length - length).SequenceEqual(rest.AsSpan(0, length)))
                return trimmedFirst[..^length] + (newline < 0 ? "" : suggestion[newline..]);
        }
        return suggestion;
    }

    /// <summary>From the first suggested line that repeats the next non-blank line below the cursor, the suggestion goes.</summary>
    private static string TrimRepeatedLines(string suggestion, string followingText)
    {
        // Indentation counts: a closing brace of an inner block is not the enclosing block's brace below the cursor.
        var next = followingText.Split('\n').Select(l => l.TrimEnd()).FirstOrDefault(l => l.Trim().Length > 0);
        if (next is null)
            return suggestion;
        var lines = suggestion.Split('\n');
        for (var i = 1; i < lines.Length; i++)
        {
            if (lines[i].TrimEnd() == next)
                return string.Join('\n', lines.Take(i)).TrimEnd();
        }
        return suggestion;
    }
}
