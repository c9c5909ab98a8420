using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace CodeAssist.Engine.Refactoring;

/// <summary>
/// The text a refactoring hands to the model and replaces with its answer. Regions are whole lines whenever the code
/// has its lines to itself, so the answer can be re-indented to where it lands.
/// </summary>
internal sealed record RefactoringTarget(
    RefactoringKind Kind,
    TextSpan Region,
    bool WholeLines,
    string Indentation,
    string Code,
    MemberDeclarationSyntax? Member,
    string Newline)
{
    /// <summary>Where the selection's statements start and end inside <see cref="Code"/> (extract method only).</summary>
    public TextSpan? MarkedSelection { get; init; }

    /// <summary>The target of <paramref name="kind"/> at the site; null when it does not apply (see <see cref="RefactoringSite.WhyNot"/>).</summary>
    public static RefactoringTarget? For(RefactoringSite site, RefactoringKind kind)
    {
        if (site.WhyNot(kind) is not null)
            return null;
        var newline = site.Text.ToString().Contains("\r\n", StringComparison.Ordinal) ? "\r\n" : "\n";
        TextSpan span;
        var member = site.Member;
        switch (kind)
        {
            case RefactoringKind.Simplify when site.Statements.Count > 0:
                span = TextSpan.FromBounds(site.Statements[0].SpanStart, site.Statements[^1].Span.End);
                break;
            case RefactoringKind.ExtractMethod:
                member = site.ExtractionHost!;
                span = member.Span;
                break;
            case RefactoringKind.Rewrite when site.HasSelection:
                span = site.Selection;
                break;
            default:
                span = site.Member!.Span;
                break;
        }
        var (region, wholeLines, indentation) = LineRegion(site.Text, span);
        var target = new RefactoringTarget(kind, region, wholeLines, indentation, site.Text.ToString(region), member, newline);
        if (kind == RefactoringKind.ExtractMethod)
        {
            target = target with
            {
                MarkedSelection = TextSpan.FromBounds(
                    site.Text.Lines.GetLineFromPosition(site.Statements[0].SpanStart).Start - region.Start,
                    site.Text.Lines.GetLineFromPosition(site.Statements[^1].Span.End).EndIncludingLineBreak - region.Start),
            };
        }
        return target;
    }

    /// <summary>The lines holding <paramref name="span"/> when nothing but whitespace shares them; the span itself otherwise.</summary>
    private static (TextSpan Region, bool WholeLines, string Indentation) LineRegion(SourceText text, TextSpan span)
    {
        var first = text.Lines.GetLineFromPosition(span.Start);
        var last = text.Lines.GetLineFromPosition(span.End);
        var before = text.ToString(TextSpan.FromBounds(first.Start, span.Start));
        var after = text.ToString(TextSpan.FromBounds(span.End, last.End));
        if (before.Trim().Length > 0 || after.Trim().Length > 0)
            return (span, false, "");
        return (TextSpan.FromBounds(first.Start, last.EndIncludingLineBreak), true, before);
    }

    /// <summary>
    /// The model's code laid into the region: its own common indentation replaced by the region's, the document's line
    /// breaks, and a final line break when the region had one.
    /// </summary>
    public string Fit(string code)
    {
        var lines = code.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        if (!WholeLines)
            return string.Join(Newline, lines).Trim();
        var common = lines.Where(l => l.Trim().Length > 0).Select(l => l.Length - l.TrimStart().Length).DefaultIfEmpty(0).Min();
        var fitted = string.Join(Newline, lines.Select(l => l.Trim().Length == 0 ? "" : Indentation + l[common..].TrimEnd()));
        var regionText = Code;
        return regionText.EndsWith('\n') ? fitted + Newline : fitted;
    }
}
