namespace CodeAssist.Engine.Completion.PostProcessing;

/// <summary>Trailing whitespace on each line and trailing blank lines are never what the user wants to accept.</summary>
public static class WhitespaceTrimmer
{
    public static string Apply(string suggestion, SuggestionSite site) =>
        string.Join('\n', suggestion.Replace("\r\n", "\n").Split('\n').Select(l => l.TrimEnd())).TrimEnd('\n');
}
