namespace CodeAssist.Engine.Completion.PostProcessing;

/// <summary>
/// A suggestion must not close what the text after the cursor already closes: the editor auto-closed the bracket or
/// quote, or the code was there. The suggestion is cut at its first unmatched closer that the line's rest closes too.
/// </summary>
public static class BracketBalancer
{
    private static readonly Dictionary<char, char> Openers = new() { [')'] = '(', [']'] = '[', ['}'] = '{' };

    public static string Apply(string suggestion, SuggestionSite site)
    {
        var rest = site.LineSuffix.TrimStart();
        if (rest.Length == 0)
            return suggestion;
        var open = new Stack<char>();
        var inString = false;
        for (var i = 0; i < suggestion.Length; i++)
        {
            var c = suggestion[i];
            if (c == '"' && (i == 0 || suggestion[i - 1] != '\\'))
            {
                // A quote closing a string the suggestion did not open is a closer the suffix may already have.
                if (!inString && CountUnescapedQuotes(suggestion.AsSpan(i)) % 2 == 1 && rest[0] == '"')
                    return suggestion[..i];
                inString = !inString;
                continue;
            }
            if (inString)
                continue;
            if (c is '(' or '[' or '{')
            {
                open.Push(c);
            }
            else if (Openers.TryGetValue(c, out var opener))
            {
                if (open.Count > 0 && open.Peek() == opener)
                    open.Pop();
                else if (rest[0] == c)
                    return suggestion[..i];
            }
        }
        return suggestion;
    }

    private static int CountUnescapedQuotes(ReadOnlySpan<char> text)
    {
        var count = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '"' && (i == 0 || text[i - 1] != '\\'))
                count++;
        }
        return count;
    }
}
