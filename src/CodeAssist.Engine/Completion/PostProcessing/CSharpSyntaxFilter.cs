using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;

namespace CodeAssist.Engine.Completion.PostProcessing;

/// <summary>
/// For C#, a suggestion must not add syntax errors where it lands: the document with the suggestion inserted may have
/// no more errors touching the inserted span than the document had at the cursor before.
/// </summary>
public static class CSharpSyntaxFilter
{
    public static bool Parses(SourceText text, int start, int end, string suggestion, CancellationToken cancellationToken)
    {
        var options = new CSharpParseOptions(LanguageVersion.Latest);
        var before = CSharpSyntaxTree.ParseText(text, options, cancellationToken: cancellationToken);
        var after = CSharpSyntaxTree.ParseText(
            text.WithChanges(new TextChange(TextSpan.FromBounds(start, end), suggestion)), options, cancellationToken: cancellationToken);
        var around = TextSpan.FromBounds(Math.Max(0, start - 1), Math.Min(text.Length, end + 1));
        var beforeErrors = ErrorsTouching(before, around, cancellationToken);
        var afterErrors = ErrorsTouching(after, new TextSpan(start, suggestion.Length), cancellationToken);
        return afterErrors <= beforeErrors;
    }

    private static int ErrorsTouching(SyntaxTree tree, TextSpan span, CancellationToken cancellationToken) =>
        tree.GetDiagnostics(cancellationToken).Count(d => d.Severity == DiagnosticSeverity.Error
            && (d.Location.SourceSpan.IntersectsWith(span) || d.Location.SourceSpan.End == span.End));
}
