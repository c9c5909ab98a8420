using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace CodeAssist.Engine.NextEdit;

/// <summary>
/// Whether a proposed next edit may be shown: applied to a fork of the solution, the document it edits must lose the
/// errors the location targets and gain none (for references and similar lines: gain no error). Only that document
/// is checked, and an edit inside one member that leaves every declaration as it was (the proposals fix calls and
/// uses, in method bodies) binds only that member's body in the fork: the cost is one body's binding whatever the
/// solution's size. An edit inside a document cannot add an error elsewhere unless it changes a declaration.
/// </summary>
public static class NextEditValidator
{
    public static Task<bool> ValidateAsync(Solution solution, DocumentId id, TextChange change, NextEditLocation location,
        CancellationToken cancellationToken) =>
        ValidateAsync(solution, id, change, location, reuse: true, cancellationToken);

    /// <param name="reuse">
    /// False only for the benchmark's same-run comparison: the document is compiled whole before and after and
    /// nothing is kept, as before the bounded check existed.
    /// </param>
    public static async Task<bool> ValidateAsync(Solution solution, DocumentId id, TextChange change, NextEditLocation location, bool reuse,
        CancellationToken cancellationToken)
    {
        var before = solution.GetDocument(id)!;
        var text = await before.GetTextAsync(cancellationToken).ConfigureAwait(false);
        change = Narrowed(text, change);
        var after = solution.WithDocumentText(id, text.WithChanges(change), PreservationMode.PreserveIdentity).GetDocument(id)!;
        IReadOnlyList<Diagnostic> errorsBefore, errorsAfter;
        if (reuse && await InOneMemberAsync(before, after, change, cancellationToken).ConfigureAwait(false) is { } member)
        {
            errorsBefore = await CompilerResults.ErrorsAsync(before, member.Before, cancellationToken).ConfigureAwait(false);
            // The declarations are the same on both sides, and so are the errors of the member's declaration stage: the
            // fork binds only the member's body (and reads its syntax), and does not complete again the declarations
            // of the member's type, which its new compilation would otherwise check member against member.
            errorsAfter = [
                .. await CompilerResults.DeclarationErrorsAsync(before, member.Before, cancellationToken).ConfigureAwait(false),
                .. await CompilerResults.ComputeSyntaxAndBodyErrorsAsync(after, member.After, cancellationToken).ConfigureAwait(false),
            ];
        }
        else
        {
            errorsBefore = reuse
                ? await CompilerResults.ErrorsAsync(before, null, cancellationToken).ConfigureAwait(false)
                : await CompilerResults.ComputeErrorsAsync(before, null, cancellationToken).ConfigureAwait(false);
            errorsAfter = await CompilerResults.ComputeErrorsAsync(after, null, cancellationToken).ConfigureAwait(false);
        }
        if (NextEditLocator.New(errorsBefore, errorsAfter).Any())
            return false;
        foreach (var target in location.TargetDiagnostics)
        {
            if (errorsAfter.Count(d => NextEditLocator.Key(d) == target) >= errorsBefore.Count(d => NextEditLocator.Key(d) == target))
                return false;
        }
        return true;
    }

    /// <summary>
    /// The change without the text it leaves as it was at either end: the same text results, and a whole line rewritten
    /// (a one-line member, a field with its initializer) becomes the change inside the body or initializer that it is,
    /// which <see cref="InOneMemberAsync"/> can then bind alone.
    /// </summary>
    internal static TextChange Narrowed(SourceText text, TextChange change)
    {
        var newText = change.NewText ?? "";
        var (start, oldEnd, newEnd) = (0, change.Span.Length, newText.Length);
        while (start < oldEnd && start < newEnd && text[change.Span.Start + start] == newText[start])
            start++;
        while (oldEnd > start && newEnd > start && text[change.Span.Start + oldEnd - 1] == newText[newEnd - 1])
        {
            oldEnd--;
            newEnd--;
        }
        return new TextChange(TextSpan.FromBounds(change.Span.Start + start, change.Span.Start + oldEnd), newText[start..newEnd]);
    }

    /// <summary>
    /// The member's span before and after, when <paramref name="change"/> lies inside one member and the two trees are
    /// the same at the top level (Roslyn's own test for "only method bodies and initializers differ", which keeps a
    /// constant's value significant). The document's errors outside that member are then the same before and after,
    /// since one member's body never changes how another binds: the errors it adds and removes are the member's own,
    /// and only the member is bound, on both sides. Null when anything else changed: the whole document is compiled.
    /// </summary>
    internal static async Task<(TextSpan Before, TextSpan After)?> InOneMemberAsync(Document before, Document after, TextChange change,
        CancellationToken cancellationToken)
    {
        var beforeTree = await before.GetSyntaxTreeAsync(cancellationToken).ConfigureAwait(false);
        var afterTree = await after.GetSyntaxTreeAsync(cancellationToken).ConfigureAwait(false);
        if (beforeTree is null || afterTree is null
            || IsolatedMember(await beforeTree.GetRootAsync(cancellationToken).ConfigureAwait(false), change.Span) is not { } memberBefore
            || IsolatedMember(await afterTree.GetRootAsync(cancellationToken).ConfigureAwait(false),
                new TextSpan(change.Span.Start, change.NewText?.Length ?? 0)) is not { } memberAfter
            || memberBefore.RawKind != memberAfter.RawKind
            || !SyntaxFactory.AreEquivalent(beforeTree, afterTree, topLevel: true))
        {
            return null;
        }
        return (memberBefore.Span, memberAfter.Span);
    }

    /// <summary>
    /// The member whose body or initializer holds all of <paramref name="span"/>, when binding it is independent of the
    /// rest: not a top-level statement (they share one body), an enum member or a constant (their values are used
    /// elsewhere).
    /// </summary>
    internal static MemberDeclarationSyntax? IsolatedMember(SyntaxNode root, TextSpan span)
    {
        if (span.End > root.FullSpan.End)
            return null;
        var member = root.FindToken(span.Start).Parent?.AncestorsAndSelf().OfType<MemberDeclarationSyntax>()
            .FirstOrDefault(m => m is not BaseTypeDeclarationSyntax and not BaseNamespaceDeclarationSyntax and not DelegateDeclarationSyntax);
        return member is null or GlobalStatementSyntax or EnumMemberDeclarationSyntax
            || member is BaseFieldDeclarationSyntax field && field.Modifiers.Any(SyntaxKind.ConstKeyword)
            || !member.Span.Contains(span)
            ? null
            : member;
    }
}
