using CodeAssist.Engine.Completion.PostProcessing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace CodeAssist.Engine.NextEdit;

/// <summary>How a validation bound the edited code.</summary>
public enum NextEditBinding
{
    /// <summary>The edited method body bound speculatively against the current compilation: no fork, no new compilation.</summary>
    Speculative,

    /// <summary>The edited member's body bound in a fork of the solution.</summary>
    MemberInFork,

    /// <summary>The edited document compiled whole in a fork (the edit changed a declaration, or <c>reuse: false</c>).</summary>
    DocumentInFork,
}

/// <summary>Whether a proposed next edit may be shown, and how that was found.</summary>
public sealed record NextEditValidation(bool Passes, NextEditBinding Binding);

/// <summary>
/// Whether a proposed next edit may be shown: applied to a fork of the solution, the document it edits must lose the
/// errors the location targets and gain none (for references and similar lines: gain no error). Only that document
/// is checked, and an edit inside one member that leaves every declaration as it was (the proposals fix calls and
/// uses, in method bodies) binds only that member's body: the cost is one body's binding whatever the solution's size.
/// An edit inside a document cannot add an error elsewhere unless it changes a declaration.
/// <para>
/// <see cref="NextEditBinding.Speculative"/> (the benchmark's A/B only) binds the edited method speculatively against
/// the current compilation instead, which the location search has built, and judges by <see cref="SpeculativeErrors"/>
/// (#20: one rule per kind of error, read from what binding left; Roslyn gives no diagnostics for a speculative model),
/// the parser's errors of the member, and the speculative errors on the targeted span as the targeted error; when none
/// lies there, or the member is not a method, the fork decides. It binds only the statements the edit and its target
/// touch, on both sides; unlike the completion check it does not also bind the later statements that use a local
/// the edit declares, so an edit that retypes a local can pass here and fail in the fork (the bench requires the two
/// verdicts to agree, and flags that). Its verdicts were the fork's on every case measured, but it still cost more CPU at the median
/// (the rules bind both sides, where the fork binds one body and finds the errors before kept from the search), so
/// the engine keeps the fork (PERFORMANCE.md, #21 fourth session).
/// </para>
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
        CancellationToken cancellationToken) =>
        (await JudgeAsync(solution, id, change, location, reuse ? NextEditBinding.MemberInFork : NextEditBinding.DocumentInFork, cancellationToken)
            .ConfigureAwait(false)).Passes;

    /// <summary>The verdict and how it was bound, binding no less than <paramref name="narrowest"/> allows.</summary>
    /// <param name="narrowest">
    /// <see cref="NextEditBinding.MemberInFork"/> as the engine validates; <see cref="NextEditBinding.Speculative"/> and
    /// <see cref="NextEditBinding.DocumentInFork"/> for the benchmark's same-run comparisons (speculative binding, which
    /// the engine does not use: see the class comment; the code as it was before the bounded check).
    /// </param>
    public static async Task<NextEditValidation> JudgeAsync(Solution solution, DocumentId id, TextChange change, NextEditLocation location,
        NextEditBinding narrowest, CancellationToken cancellationToken)
    {
        var before = solution.GetDocument(id)!;
        var text = await before.GetTextAsync(cancellationToken).ConfigureAwait(false);
        change = Narrowed(text, change);
        var reuse = narrowest != NextEditBinding.DocumentInFork;
        if (narrowest == NextEditBinding.Speculative
            && await SpeculativeVerdictAsync(before, text.WithChanges(change), change, location, cancellationToken).ConfigureAwait(false) is { } passes)
        {
            return new(passes, NextEditBinding.Speculative);
        }
        var after = solution.WithDocumentText(id, text.WithChanges(change), PreservationMode.PreserveIdentity).GetDocument(id)!;
        IReadOnlyList<Diagnostic> errorsBefore, errorsAfter;
        var binding = NextEditBinding.DocumentInFork;
        if (reuse && await InOneMemberAsync(before, after, change, cancellationToken).ConfigureAwait(false) is { } member)
        {
            binding = NextEditBinding.MemberInFork;
            // The declarations are the same on both sides, and so are the errors of the member's declaration stage: both
            // sides are compared without them (the same errors are new, the same targeted ones gone), so the fork binds
            // only the member's body (and reads its syntax) and does not complete again the declarations of the member's
            // type, which its new compilation would otherwise check member against member; the side before is the one
            // the location search kept.
            errorsBefore = await CompilerResults.SyntaxAndBodyErrorsAsync(before, member.Before, cancellationToken).ConfigureAwait(false);
            errorsAfter = await CompilerResults.ComputeSyntaxAndBodyErrorsAsync(after, member.After, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            errorsBefore = reuse
                ? await CompilerResults.ErrorsAsync(before, null, cancellationToken).ConfigureAwait(false)
                : await CompilerResults.ComputeErrorsAsync(before, null, cancellationToken).ConfigureAwait(false);
            errorsAfter = await CompilerResults.ComputeErrorsAsync(after, null, cancellationToken).ConfigureAwait(false);
        }
        if (NextEditLocator.New(errorsBefore, errorsAfter).Any())
            return new(false, binding);
        foreach (var target in location.TargetDiagnostics)
        {
            if (errorsAfter.Count(d => NextEditLocator.Key(d) == target) >= errorsBefore.Count(d => NextEditLocator.Key(d) == target))
                return new(false, binding);
        }
        return new(true, binding);
    }

    /// <summary>
    /// The verdict from the edited method bound speculatively against the compilation of <paramref name="before"/>
    /// (see the class comment), or null when it cannot be had so: the edit is not inside one method body, Roslyn
    /// refuses to speculate, or no speculative error lies on the targeted span.
    /// </summary>
    private static async Task<bool?> SpeculativeVerdictAsync(Document before, SourceText afterText, TextChange change, NextEditLocation location,
        CancellationToken cancellationToken)
    {
        if (await before.GetSyntaxTreeAsync(cancellationToken).ConfigureAwait(false) is not { } beforeTree)
            return null;
        var afterTree = beforeTree.WithChangedText(afterText);
        if (InOneMember(await beforeTree.GetRootAsync(cancellationToken).ConfigureAwait(false),
                await afterTree.GetRootAsync(cancellationToken).ConfigureAwait(false), change) is not var (memberBefore, memberAfter)
            || memberBefore is not BaseMethodDeclarationSyntax methodBefore || memberAfter is not BaseMethodDeclarationSyntax methodAfter
            || BodyOf(methodBefore) is not { } bodyBefore || BodyOf(methodAfter) is not { } bodyAfter
            || await before.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false) is not { } model)
        {
            return null;
        }
        // An edit that changes nothing (the text as it is) leaves the tree itself, which Roslyn does not speculate with.
        var speculative = model;
        try
        {
            if (afterTree != beforeTree && !model.TryGetSpeculativeSemanticModelForMethodBody(bodyBefore.SpanStart, methodAfter, out speculative))
                return null;
        }
        catch (NullReferenceException)
        {
            // Roslyn throws instead of answering false for some members (dotnet/roslyn#70575, as SemanticModelReuse says).
            return null;
        }
        // Only the statements the edit touches (and the target's, when it lies in the same body) are bound, as the
        // completion check binds a suggestion's (#20's SpeculativeErrors.Touched); the text after the edit is shifted by it.
        var regionBefore = bodyBefore.Span.Contains(location.Span)
            ? TextSpan.FromBounds(Math.Min(change.Span.Start, location.Span.Start), Math.Max(change.Span.End, location.Span.End))
            : change.Span;
        var regionAfter = TextSpan.FromBounds(regionBefore.Start, regionBefore.End + (change.NewText?.Length ?? 0) - change.Span.Length);
        var errorsBefore = SpeculativeErrors.In(model, bodyBefore, regionBefore, cancellationToken);
        List<string> targeted = location.TargetDiagnostics.Count == 0 ? []
            : [.. errorsBefore.Where(e => e.Span.OverlapsWith(location.Span) || location.Span.IsEmpty && e.Span.Contains(location.Span.Start))
                .Select(e => e.ToString()).Distinct(StringComparer.Ordinal)];
        if (location.TargetDiagnostics.Count > 0 && targeted.Count == 0)
            return null;
        // The parser's errors are not the speculative rules' (they excuse unfinished code): the tree's own, as the fork reads them.
        var syntaxBefore = SyntaxErrors(beforeTree, memberBefore.Span, cancellationToken);
        var syntaxAfter = SyntaxErrors(afterTree, memberAfter.Span, cancellationToken);
        var errorsAfter = SpeculativeErrors.In(speculative, bodyAfter, regionAfter, cancellationToken);
        if (NextEditLocator.New(syntaxBefore, syntaxAfter).Any() || CompilerErrors.FirstAdded(errorsBefore, errorsAfter) is not null)
            return false;
        return targeted.All(key => errorsAfter.Count(e => e.ToString() == key) < errorsBefore.Count(e => e.ToString() == key));
    }

    private static SyntaxNode? BodyOf(BaseMethodDeclarationSyntax method) => (SyntaxNode?)method.Body ?? method.ExpressionBody;

    private static IReadOnlyList<Diagnostic> SyntaxErrors(SyntaxTree tree, TextSpan span, CancellationToken cancellationToken) =>
        [.. tree.GetDiagnostics(cancellationToken).Where(d => d.Severity == DiagnosticSeverity.Error && d.Location.SourceSpan.IntersectsWith(span))];

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
        if (await before.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false) is not { } beforeRoot
            || await after.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false) is not { } afterRoot
            || InOneMember(beforeRoot, afterRoot, change) is not var (memberBefore, memberAfter))
        {
            return null;
        }
        return (memberBefore.Span, memberAfter.Span);
    }

    /// <summary>The member of <see cref="InOneMemberAsync"/> in each tree.</summary>
    private static (MemberDeclarationSyntax Before, MemberDeclarationSyntax After)? InOneMember(SyntaxNode beforeRoot, SyntaxNode afterRoot, TextChange change)
    {
        if (IsolatedMember(beforeRoot, change.Span) is not { } memberBefore
            || IsolatedMember(afterRoot, new TextSpan(change.Span.Start, change.NewText?.Length ?? 0)) is not { } memberAfter
            || memberBefore.RawKind != memberAfter.RawKind
            || !SyntaxFactory.AreEquivalent(beforeRoot.SyntaxTree, afterRoot.SyntaxTree, topLevel: true))
        {
            return null;
        }
        return (memberBefore, memberAfter);
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
