using CodeAssist.Engine.Documents;

namespace CodeAssist.Engine.Completion.PostProcessing;

/// <summary>The post-processing rules in order; each is a small function with its own tests.</summary>
public static class SuggestionPostProcessor
{
    private static readonly Func<string, SuggestionSite, string>[] Rules =
    [
        LineModeLimiter.Apply,
        SuffixOverlapTrimmer.Apply,
        BracketBalancer.Apply,
        WhitespaceTrimmer.Apply,
    ];

    /// <summary>The cleaned suggestion, or null when nothing worth showing is left.</summary>
    public static string? Process(string raw, DocumentSnapshot document, int offset, bool multiline, CancellationToken cancellationToken)
    {
        var site = SuggestionSite.At(document, offset, multiline);
        var text = raw.Replace("\r\n", "\n");
        foreach (var rule in Rules)
            text = rule(text, site);
        if (text.Trim().Length == 0)
            return null;
        if (document.IsCSharp && !CSharpSyntaxFilter.Parses(document.Text, offset, offset, text, cancellationToken))
            return null;
        return text;
    }
}
