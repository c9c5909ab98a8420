using CodeAssist.Engine.NextEdit;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.FindSymbols;
using Microsoft.CodeAnalysis.Text;

namespace CodeAssist.Engine.Evaluation;

/// <summary>The first edit of a generated next-edit case.</summary>
public enum FirstEditKind
{
    RenameMember,
    AddParameter,
    ChangeParameterType,
    ChangeReturnType,
}

/// <summary>
/// A line the compiler requires to change after the first edit (it has an error the edit introduced), with the line
/// as it must become when that is determined (a renamed call, a call given <c>default</c> for the new parameter).
/// </summary>
public sealed record RequiredEdit(string FilePath, int Line, string? ExpectedLine);

/// <summary>
/// A next-edit case: <see cref="FirstEdit"/> applied to <see cref="FilePath"/> (the cursor after it), and the edits the
/// compiler then requires.
/// </summary>
public sealed record NextEditCase(FirstEditKind Kind, string Symbol, string FilePath, TextChange FirstEdit, IReadOnlyList<RequiredEdit> Required);

/// <summary>
/// Generates next-edit cases from real code with Roslyn and no model: methods of the solution that are called from
/// source get a first edit (renamed, a parameter added, the first parameter's type or the return type changed to one
/// nothing converts to), the edit is applied to the solution, and the lines with errors it introduced (in the
/// declaring document and those referencing the method) are the follow-up edits required. Cases whose first edit
/// breaks nothing are not Roslyn-detectable and are skipped.
/// </summary>
public static class NextEditCases
{
    /// <summary>A type no argument or use converts to, so a changed type shows in every use.</summary>
    private const string ForeignType = "System.Guid";

    public static async Task<IReadOnlyList<NextEditCase>> GenerateAsync(Solution solution, int count, int seed, CancellationToken cancellationToken)
    {
        var methods = new List<(IMethodSymbol Symbol, MethodDeclarationSyntax Syntax, Document Document)>();
        var documents = solution.Projects.Where(p => p.Language == LanguageNames.CSharp)
            .SelectMany(p => p.Documents)
            .OrderBy(d => d.FilePath, StringComparer.Ordinal);
        foreach (var document in documents)
        {
            if (document.FilePath is null || document.FilePath.Contains("/obj/", StringComparison.Ordinal)
                || await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false) is not { } root)
            {
                continue;
            }
            var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
            foreach (var syntax in root.DescendantNodes().OfType<MethodDeclarationSyntax>())
            {
                if (model?.GetDeclaredSymbol(syntax, cancellationToken) is IMethodSymbol { IsOverride: false, IsImplicitlyDeclared: false } symbol
                    && symbol.ExplicitInterfaceImplementations.IsEmpty && symbol.ContainingType.TypeKind is TypeKind.Class or TypeKind.Struct
                    && symbol.ContainingType.AllInterfaces.All(i => i.GetMembers(symbol.Name).IsEmpty)
                    && !symbol.IsExtern && syntax.Identifier.ValueText != "Main")
                {
                    methods.Add((symbol, syntax, document));
                }
            }
        }
        var random = new Random(seed);
        var kinds = Enum.GetValues<FirstEditKind>();
        var cases = new List<NextEditCase>();
        foreach (var (symbol, syntax, document) in methods.OrderBy(_ => random.Next()))
        {
            if (cases.Count >= count)
                break;
            var references = await SymbolFinder.FindReferencesAsync(symbol, solution, cancellationToken).ConfigureAwait(false);
            if (!references.SelectMany(r => r.Locations).Any(l => !l.IsImplicit))
                continue;
            // The kinds take turns: each method gets the least used kind that fits it (a parameter to change, a value to return).
            foreach (var kind in kinds.OrderBy(k => cases.Count(c => c.Kind == k)))
            {
                if (FirstEdit(kind, syntax) is not { } edit)
                    continue;
                var required = await RequiredAsync(solution, document, edit, kind, symbol.Name, references, cancellationToken).ConfigureAwait(false);
                if (required.Count == 0)
                    continue;
                var name = symbol.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat);
                cases.Add(new NextEditCase(kind, name, document.FilePath!, edit, required));
                break;
            }
        }
        return cases;
    }

    private static TextChange? FirstEdit(FirstEditKind kind, MethodDeclarationSyntax method) => kind switch
    {
        FirstEditKind.RenameMember => new TextChange(method.Identifier.Span, method.Identifier.ValueText + "Renamed"),
        FirstEditKind.AddParameter => method.ParameterList.Parameters.Count == 0
            ? new TextChange(new TextSpan(method.ParameterList.CloseParenToken.SpanStart, 0), "int added")
            : new TextChange(new TextSpan(method.ParameterList.Parameters[^1].Span.End, 0), ", int added"),
        FirstEditKind.ChangeParameterType => method.ParameterList.Parameters.FirstOrDefault() is { Type: { } type }
            ? new TextChange(type.Span, ForeignType)
            : null,
        FirstEditKind.ChangeReturnType => method.ReturnType is PredefinedTypeSyntax { Keyword.ValueText: "void" }
            ? null
            : new TextChange(method.ReturnType.Span, ForeignType),
        _ => null,
    };

    private static async Task<IReadOnlyList<RequiredEdit>> RequiredAsync(
        Solution solution, Document declaring, TextChange edit, FirstEditKind kind, string name,
        IEnumerable<ReferencedSymbol> references, CancellationToken cancellationToken)
    {
        var text = await declaring.GetTextAsync(cancellationToken).ConfigureAwait(false);
        var after = solution.WithDocumentText(declaring.Id, text.WithChanges(edit));
        var documents = references.SelectMany(r => r.Locations).Select(l => l.Document.Id).Append(declaring.Id).Distinct();
        var required = new List<RequiredEdit>();
        foreach (var id in documents)
        {
            var before = await NextEditLocator.ErrorsAsync(solution.GetDocument(id)!, cancellationToken).ConfigureAwait(false);
            var changed = after.GetDocument(id)!;
            var changedText = await changed.GetTextAsync(cancellationToken).ConfigureAwait(false);
            var root = await changed.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            foreach (var error in NextEditLocator.New(before, await NextEditLocator.ErrorsAsync(changed, cancellationToken).ConfigureAwait(false)))
            {
                var line = changedText.Lines.GetLineFromPosition(error.Location.SourceSpan.Start);
                // An error on the first edit's own text is the user's work in progress, as the server sees it too.
                var written = new TextSpan(edit.Span.Start, edit.NewText!.Length);
                if (id == declaring.Id && error.Location.SourceSpan.Start <= written.End && written.Start <= error.Location.SourceSpan.End)
                    continue;
                if (required.Any(r => r.FilePath == changed.FilePath && r.Line == line.LineNumber))
                    continue;
                required.Add(new RequiredEdit(changed.FilePath!, line.LineNumber, Expected(kind, name, changedText, line, error.Location.SourceSpan, root)));
            }
        }
        return required;
    }

    /// <summary>The line as the follow-up edit leaves it, where that is determined: the call renamed, or given <c>default</c>.</summary>
    private static string? Expected(FirstEditKind kind, string name, SourceText text, TextLine line, TextSpan error, SyntaxNode? root)
    {
        var lineText = text.ToString(line.Span);
        switch (kind)
        {
            case FirstEditKind.RenameMember when text.ToString(error) == name:
                return lineText[..(error.Start - line.Start)] + name + "Renamed" + lineText[(error.End - line.Start)..];
            case FirstEditKind.AddParameter when root?.FindNode(error).AncestorsAndSelf().OfType<InvocationExpressionSyntax>().FirstOrDefault() is { } call
                                                 && text.Lines.GetLineFromPosition(call.ArgumentList.CloseParenToken.SpanStart).LineNumber == line.LineNumber:
                var close = call.ArgumentList.CloseParenToken.SpanStart - line.Start;
                return lineText[..close] + (call.ArgumentList.Arguments.Count == 0 ? "default" : ", default") + lineText[close..];
            default:
                return null;
        }
    }
}
