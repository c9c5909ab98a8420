using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;

namespace CodeAssist.Engine.Evaluation;

/// <summary>
/// Context recall, the measure of issue #20: at a held-out position (a real line cut at a column), the identifiers of
/// the removed text that the current file does not contain anywhere must come from the rest of the solution or its
/// references; recall is the share of them that the prompt holds. It needs no model, and it can be compared at equal
/// prompt size with what text retrieval would have sent.
/// </summary>
public static class ContextRecall
{
    /// <summary>
    /// Names the C# lexer gives as identifiers but that are keywords where they stand (<c>var</c>, <c>notnull</c>,
    /// <c>nameof</c>…): they come from the language, not from any context.
    /// </summary>
    private static readonly HashSet<string> LanguageWords = new(StringComparer.Ordinal)
    {
        "notnull", "unmanaged", "dynamic", "nint", "nuint", "var", "nameof", "_",
    };

    /// <summary>
    /// The identifiers the completion needs from elsewhere: identifier tokens of <paramref name="original"/> from the
    /// start of the word at <paramref name="cut"/> (a word the cursor is in counts whole) to <paramref name="end"/>,
    /// that are not keywords and not anywhere in <paramref name="currentFile"/> (the file as the editor has it, without
    /// the removed text). Each is given once, with its token.
    /// </summary>
    public static IReadOnlyList<SyntaxToken> Targets(SyntaxNode original, int cut, int end, string currentFile)
    {
        var present = Words(currentFile);
        var start = cut;
        var text = original.SyntaxTree.GetText();
        while (start > 0 && IsWordPart(text[start - 1]))
            start--;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var targets = new List<SyntaxToken>();
        foreach (var token in original.DescendantTokens(TextSpan.FromBounds(start, end)))
        {
            if (!token.IsKind(SyntaxKind.IdentifierToken) || token.SpanStart < start || token.Span.End > end)
                continue;
            var name = token.ValueText;
            if (IsLanguageWord(name) || present.Contains(name) || !seen.Add(name))
                continue;
            targets.Add(token);
        }
        return targets;
    }

    /// <summary>Whether a name the lexer calls an identifier is a keyword of the language where it can stand.</summary>
    public static bool IsLanguageWord(string name) =>
        LanguageWords.Contains(name) || SyntaxFacts.GetContextualKeywordKind(name) != SyntaxKind.None || SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None;

    /// <summary>The share of <paramref name="targets"/> that occur as whole words in <paramref name="prompt"/>.</summary>
    public static int Held(IEnumerable<string> targets, string prompt)
    {
        var words = Words(prompt);
        return targets.Count(words.Contains);
    }

    /// <summary>Every identifier-like word of a text (letters, digits and underscores, not starting with a digit).</summary>
    public static HashSet<string> Words(string text)
    {
        var words = new HashSet<string>(StringComparer.Ordinal);
        var i = 0;
        while (i < text.Length)
        {
            if (!IsWordPart(text[i]))
            {
                i++;
                continue;
            }
            var start = i;
            while (i < text.Length && IsWordPart(text[i]))
                i++;
            if (!char.IsDigit(text[start]))
                words.Add(text[start..i]);
        }
        return words;
    }

    private static bool IsWordPart(char c) => char.IsLetterOrDigit(c) || c == '_';
}

/// <summary>Held and wanted identifiers of one group of positions; recall is their ratio (0 when nothing was wanted).</summary>
public sealed record RecallCount(int Held, int Wanted)
{
    public double Recall => Wanted == 0 ? 0 : (double)Held / Wanted;

    public static RecallCount operator +(RecallCount a, RecallCount b) => new(a.Held + b.Held, a.Wanted + b.Wanted);

    public static RecallCount Zero { get; } = new(0, 0);
}
