using CodeAssist.Engine.Documents;

namespace CodeAssist.Engine.Completion.PostProcessing;

/// <summary>Where a suggestion goes, as the post-processing rules see it.</summary>
public sealed record SuggestionSite(string LinePrefix, string LineSuffix, string FollowingText, bool Multiline)
{
    /// <summary>Whitespace-only text before the cursor on its line: a new statement or block may start here.</summary>
    public bool AtLineStart => LinePrefix.Trim().Length == 0;

    /// <summary>Block suggestions are allowed at a line start (after <c>{</c>+newline or on an empty line); mid-line gets one line.</summary>
    public bool AllowsBlock => Multiline && AtLineStart && LineSuffix.Trim().Length == 0;

    public int Indentation => Indent.Of(LinePrefix);

    public static SuggestionSite At(DocumentSnapshot document, int offset, bool multiline)
    {
        var line = document.Text.Lines.GetLineFromPosition(offset);
        var linePrefix = document.Text.ToString(Microsoft.CodeAnalysis.Text.TextSpan.FromBounds(line.Start, offset));
        var lineSuffix = document.Text.ToString(Microsoft.CodeAnalysis.Text.TextSpan.FromBounds(offset, line.End));
        var followingEnd = Math.Min(document.Text.Length, line.EndIncludingLineBreak + 2048);
        var following = document.Text.ToString(Microsoft.CodeAnalysis.Text.TextSpan.FromBounds(line.EndIncludingLineBreak, followingEnd));
        return new SuggestionSite(linePrefix, lineSuffix, following, multiline);
    }
}

internal static class Indent
{
    /// <summary>Width of a line's leading whitespace, a tab counting as four columns.</summary>
    public static int Of(string line)
    {
        var width = 0;
        foreach (var c in line)
        {
            if (c == ' ')
                width++;
            else if (c == '\t')
                width += 4;
            else
                break;
        }
        return width;
    }
}
