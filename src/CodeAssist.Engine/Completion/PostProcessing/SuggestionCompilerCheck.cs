using CodeAssist.Engine.Documents;
using CodeAssist.Engine.Workspace;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using Microsoft.CodeAnalysis.Text;

namespace CodeAssist.Engine.Completion.PostProcessing;

/// <summary>What the compiler check made of a suggestion.</summary>
public enum CompilerVerdict
{
    /// <summary>It adds no compiler error.</summary>
    Accepted,

    /// <summary>It added one; its longest prefix that adds none is shown instead.</summary>
    Cut,

    /// <summary>It added one and no prefix worth showing is free of it.</summary>
    Dropped,

    /// <summary>Not C#, not in a loaded project (a loose file's compiler view lacks the rest of the code), or not inside a method body: not checked.</summary>
    Unchecked,
}

/// <summary>The suggestion to show (null when dropped), the verdict, and the first error it added.</summary>
public sealed record CompilerCheckResult(string? Text, CompilerVerdict Verdict, string? Error = null);

/// <summary>
/// Suggestions the compiler accepts (issue #20): before a C# suggestion is shown, the method it lands in is bound with
/// the suggestion inserted, speculatively against the last compilation (<see cref="SemanticModelReuse"/>; no new
/// compilation), and the binding errors it adds are looked for where it lands: a call no overload takes, a member or
/// name that does not exist, a value of the wrong type. Errors that incomplete code always has do not count: those of
/// constructs the parser found incomplete (a call whose closing parenthesis is still to come) and those the document
/// had before (an error whose innermost cause lies outside the suggestion). A suggestion that adds an error is cut
/// to its longest prefix, at a token boundary, that parses and adds none, or dropped.
/// </summary>
public sealed class SuggestionCompilerCheck(CodeWorkspace workspace)
{
    /// <summary>Prefixes bound at most when looking for a cut: each is a speculative binding of the method.</summary>
    private const int MaxCutsTried = 6;

    public async Task<CompilerCheckResult> CheckAsync(DocumentSnapshot document, int offset, string suggestion, CancellationToken cancellationToken)
    {
        if (!document.IsCSharp || workspace.GetDocument(document) is not { } current || !workspace.InLoadedProject(current))
            return new(suggestion, CompilerVerdict.Unchecked);
        var error = await FirstAddedErrorAsync(current, document.Text, offset, suggestion, cancellationToken).ConfigureAwait(false);
        if (error is null)
            return new(suggestion, CompilerVerdict.Unchecked);
        if (error == AddedError.None)
            return new(suggestion, CompilerVerdict.Accepted);
        var tried = 0;
        var limit = error.Start > offset ? error.Start - offset : suggestion.Length;
        foreach (var cut in TokenEnds(suggestion).Reverse())
        {
            // A prefix that still holds the start of an error added inside the suggestion still adds it.
            if (cut > limit)
                continue;
            var prefix = suggestion[..cut].TrimEnd();
            if (!prefix.Any(char.IsLetterOrDigit) || ++tried > MaxCutsTried)
                break;
            if (!CSharpSyntaxFilter.Parses(document.Text, offset, offset, prefix, cancellationToken))
                continue;
            var prefixError = await FirstAddedErrorAsync(current, document.Text, offset, prefix, cancellationToken).ConfigureAwait(false);
            if (prefixError == AddedError.None)
                return new(prefix, CompilerVerdict.Cut, error.Message);
            if (prefixError is { Start: var start } && start > offset)
                limit = Math.Min(limit, start - offset);
        }
        return new(null, CompilerVerdict.Dropped, error.Message);
    }

    /// <summary>An error a suggestion adds, and where the construct with the error starts.</summary>
    private sealed record AddedError(string Message, int Start)
    {
        public static AddedError None { get; } = new("", -1);
    }

    /// <summary>
    /// <see cref="AddedError.None"/> when the suggestion adds no binding error, the first one it adds, or null when it cannot
    /// be bound cheaply.
    /// </summary>
    private async Task<AddedError?> FirstAddedErrorAsync(Document current, SourceText text, int offset, string suggestion, CancellationToken cancellationToken)
    {
        var edited = current.WithText(text.WithChanges(new TextChange(new TextSpan(offset, 0), suggestion)));
        var model = await workspace.SemanticModels.TrySpeculateAsync(current, edited, offset, cancellationToken).ConfigureAwait(false);
        if (model is null)
        {
            // No base of these declarations yet (the context build did not bind anything): made as a context build
            // makes it, once, and the suggestion is bound against it.
            await workspace.SemanticModels.GetAsync(current, offset, cancellationToken).ConfigureAwait(false);
            model = await workspace.SemanticModels.TrySpeculateAsync(current, edited, offset, cancellationToken).ConfigureAwait(false);
        }
        var root = await edited.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (model is null || root is null)
            return null;
        var method = root.FindToken(Math.Max(0, offset - 1)).Parent?.AncestorsAndSelf().OfType<BaseMethodDeclarationSyntax>().FirstOrDefault();
        var body = (SyntaxNode?)method?.Body ?? method?.ExpressionBody;
        if (body is null || model.GetOperation(body, cancellationToken) is not { } bound)
            return null;
        var inserted = new TextSpan(offset, suggestion.Length);
        // A name that exists nowhere is an error even inside an unfinished call, where the call's own failure is
        // excused: `order.Lines.Summary(l => l` will not bind however it ends.
        foreach (var name in root.DescendantNodes(inserted).OfType<SimpleNameSyntax>())
        {
            // Names that name what they declare (an anonymous type's member, a tuple element) bind to nothing.
            if (!name.Span.IntersectsWith(inserted) || name.Identifier.IsMissing || name.Span.End <= offset || name.IsVar
                || name.Parent is NameEqualsSyntax or NameColonSyntax)
            {
                continue;
            }
            var info = model.GetSymbolInfo(name, cancellationToken);
            if (info.Symbol is null && info.CandidateSymbols.IsEmpty && !ReceiverIsUnknown(model, name, cancellationToken))
                return new AddedError($"no symbol named `{name}`", name.SpanStart);
        }
        foreach (var operation in bound.DescendantsAndSelf())
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!operation.Syntax.Span.IntersectsWith(inserted) || IsIncomplete(operation.Syntax))
                continue;
            var added = operation switch
            {
                // The innermost failure is the cause: a call that fails because its receiver is unknown is the
                // receiver's error, and that may be the document's own.
                IInvalidOperation
                    when !operation.ChildOperations.Any(c => c.DescendantsAndSelf().Any(d => d is IInvalidOperation && !IsIncomplete(d.Syntax))) =>
                    operation,
                IConversionOperation { IsImplicit: true, Conversion.IsImplicit: false } conversion
                    when conversion.Operand is not IInvalidOperation => operation,
                _ => null,
            };
            if (added is not null)
                return new AddedError($"{Describe(added)} `{added.Syntax}`", added.Syntax.SpanStart);
        }
        return AddedError.None;
    }

    /// <summary>A member of something that is itself unknown: the error is the receiver's (reported there when the suggestion wrote it).</summary>
    private static bool ReceiverIsUnknown(SemanticModel model, SimpleNameSyntax name, CancellationToken cancellationToken) =>
        name.Parent is MemberAccessExpressionSyntax access && access.Name == name
        && model.GetSymbolInfo(access.Expression, cancellationToken).Symbol is null
        && model.GetTypeInfo(access.Expression, cancellationToken).Type is null or IErrorTypeSymbol;

    private static string Describe(IOperation operation) => operation switch
    {
        IConversionOperation conversion =>
            $"no implicit conversion from {conversion.Operand.Type?.ToDisplayString() ?? "?"} to {conversion.Type?.ToDisplayString() ?? "?"} in",
        _ => "does not bind:",
    };

    /// <summary>A construct the parser found unfinished: its errors are those of code still being typed.</summary>
    private static bool IsIncomplete(SyntaxNode node) =>
        node.ContainsDiagnostics && node.GetDiagnostics().Any(d => d.Severity == DiagnosticSeverity.Error);

    /// <summary>Where each token of the suggestion ends, in order, without the suggestion's own end.</summary>
    private static IEnumerable<int> TokenEnds(string suggestion) =>
        SyntaxFactory.ParseTokens(suggestion).Select(t => t.Span.End).Where(end => end > 0 && end < suggestion.TrimEnd().Length).Distinct();
}
