namespace CodeAssist.Engine.Completion.PostProcessing;

/// <summary>
/// Mid-line, a suggestion is one line. At a line start it may be a block, which ends where indentation drops below
/// the level the block started at (the enclosing scope's closing brace is the user's, not the model's).
/// </summary>
public static class LineModeLimiter
{
    public static string Apply(string suggestion, SuggestionSite site)
    {
        var lines = suggestion.Split('\n');
        if (!site.AllowsBlock)
            return lines[0].TrimEnd('\r');

        var startLevel = site.Indentation;
        var kept = new List<string> { lines[0] };
        foreach (var line in lines.Skip(1))
        {
            if (line.Trim().Length > 0 && Indent.Of(line) < startLevel)
                break;
            kept.Add(line);
        }
        return string.Join('\n', kept);
    }
}
