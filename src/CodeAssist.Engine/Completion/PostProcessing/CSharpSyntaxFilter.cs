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
        var before = CSharpSyntaxTree.ParseText(text, new CSharpParseOptions(LanguageVersion.Latest), cancellationToken: cancellationToken);
        var after = before.WithChangedText(text.WithChanges(new TextChange(TextSpan.FromBounds(start, end), suggestion)));
        return Parses(before, after, TextSpan.FromBounds(start, end), suggestion.Length, cancellationToken);
    }

    /// <summary>
    /// The same for a tree parsed already and its edit (<paramref name="replaced"/> of <paramref name="before"/> replaced by
    /// <paramref name="insertedLength"/> characters), parsed incrementally from it as <c>SyntaxTree.WithChangedText</c> does.
    /// </summary>
    public static bool Parses(SyntaxTree before, SyntaxTree after, TextSpan replaced, int insertedLength, CancellationToken cancellationToken)
    {
        var length = before.GetText(cancellationToken).Length;
        var around = TextSpan.FromBounds(Math.Max(0, replaced.Start - 1), Math.Min(length, replaced.End + 1));
        var beforeErrors = ErrorsTouching(before, around, cancellationToken);
        var afterErrors = ErrorsTouching(after, new TextSpan(replaced.Start, insertedLength), cancellationToken);
        return afterErrors <= beforeErrors;
    }

    private static int ErrorsTouching(SyntaxTree tree, TextSpan span, CancellationToken cancellationToken) =>
        tree.GetDiagnostics(cancellationToken).Count(d => d.Severity == DiagnosticSeverity.Error
            && (d.Location.SourceSpan.IntersectsWith(span) || d.Location.SourceSpan.End == span.End));
}
