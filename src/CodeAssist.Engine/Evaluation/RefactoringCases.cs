using System.Text.RegularExpressions;
using CodeAssist.Engine.Refactoring;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Simplification;
using Microsoft.CodeAnalysis.Text;

namespace CodeAssist.Engine.Evaluation;

/// <summary>
/// A refactoring case: <see cref="Kind"/> asked at <see cref="Position"/> (the method's name) in <see cref="FilePath"/>
/// after <see cref="Setup"/> (if any) is applied to the file, with the method's real parameter names and, where Roslyn
/// determines one, the method as the refactoring must leave it (<see cref="Reference"/>, compared whitespace-blind).
/// </summary>
public sealed record RefactoringCase(
    RefactoringKind Kind, string Member, string FilePath, int Position, int Lines, IReadOnlyList<string> Parameters, TextChange? Setup,
    string? Reference);

/// <summary>
/// Generates refactoring cases from real code with Roslyn and no model, the references synthesised the way the
/// training data of #24 is meant to be:
/// <list type="bullet">
/// <item>"Add argument validation": methods with a parameter to check (<see cref="ValidationChecks"/>: a non-nullable
/// reference type, or an <c>int</c> or <c>long</c> count or index); the reference puts <c>ArgumentNullException.ThrowIfNull(p);</c>
/// or <c>ArgumentOutOfRangeException.ThrowIfNegative(p);</c> for each of them, in order, before the body's first statement.</item>
/// <item>"Document this member": methods without a documentation comment; no reference (the check is that the comment
/// is well-formed and names exactly the real parameters).</item>
/// <item>"Simplify": methods that Roslyn can make longer and then simplify back: instance members qualified with
/// <c>this.</c> and types with their namespace (the case's <see cref="RefactoringCase.Setup"/>); the reference is Roslyn's own
/// <see cref="Simplifier"/> applied to that code, so "only Roslyn's simplifications" is checkable.</item>
/// </list>
/// Methods longer than <see cref="MaxLines"/> lines, and generated files, are left out.
/// </summary>
public static class RefactoringCases
{
    /// <summary>The issue's "held-out methods of up to 60 lines".</summary>
    public const int MaxLines = 60;

    public static IReadOnlyList<RefactoringKind> Kinds { get; } = [RefactoringKind.AddValidation, RefactoringKind.Document, RefactoringKind.Simplify];

    public static async Task<IReadOnlyList<RefactoringCase>> GenerateAsync(Solution solution, int countPerKind, int seed, CancellationToken cancellationToken)
    {
        var methods = new List<(MethodDeclarationSyntax Syntax, IMethodSymbol Symbol, Document Document, SemanticModel Model)>();
        var documents = solution.Projects.Where(p => p.Language == LanguageNames.CSharp)
            .SelectMany(p => p.Documents)
            .OrderBy(d => d.FilePath, StringComparer.Ordinal);
        foreach (var document in documents)
        {
            if (document.FilePath is null || document.FilePath.Contains("/obj/", StringComparison.Ordinal)
                || await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false) is not { } root
                || await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false) is not { } model)
            {
                continue;
            }
            var text = await document.GetTextAsync(cancellationToken).ConfigureAwait(false);
            foreach (var syntax in root.DescendantNodes().OfType<MethodDeclarationSyntax>())
            {
                if (syntax.Body is not null && LineCount(text, syntax.Span) <= MaxLines
                    && model.GetDeclaredSymbol(syntax, cancellationToken) is IMethodSymbol { IsImplicitlyDeclared: false } symbol)
                {
                    methods.Add((syntax, symbol, document, model));
                }
            }
        }
        var random = new Random(seed);
        var order = methods.OrderBy(_ => random.Next()).ToList();
        var cases = new List<RefactoringCase>();
        foreach (var kind in Kinds)
        {
            var found = 0;
            foreach (var (syntax, symbol, document, model) in order)
            {
                if (found >= countPerKind)
                    break;
                if (await CaseAsync(kind, syntax, symbol, document, model, cancellationToken).ConfigureAwait(false) is not { } @case)
                    continue;
                cases.Add(@case);
                found++;
            }
        }
        return cases;
    }

    private static async Task<RefactoringCase?> CaseAsync(
        RefactoringKind kind, MethodDeclarationSyntax syntax, IMethodSymbol symbol, Document document, SemanticModel model,
        CancellationToken cancellationToken)
    {
        var text = await document.GetTextAsync(cancellationToken).ConfigureAwait(false);
        var name = symbol.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat);
        var parameters = symbol.Parameters.Select(p => p.Name).ToList();
        var lines = LineCount(text, syntax.Span);
        RefactoringCase Case(TextChange? setup, string? reference) =>
            new(kind, name, document.FilePath!, syntax.Identifier.SpanStart, lines, parameters, setup, reference);
        switch (kind)
        {
            case RefactoringKind.AddValidation:
                return ValidationReference(syntax, symbol, text) is { } validated ? Case(null, validated) : null;
            case RefactoringKind.Document:
                return parameters.Count > 0 && !syntax.GetLeadingTrivia().Any(t => t.GetStructure() is DocumentationCommentTriviaSyntax)
                    ? Case(null, null)
                    : null;
            case RefactoringKind.Simplify:
                return await SimplifyCaseAsync(syntax, document, model, text, cancellationToken).ConfigureAwait(false) is { } simplify
                    ? Case(simplify.Setup, simplify.Reference)
                    : null;
            default:
                return null;
        }
    }

    /// <summary>
    /// The checks "Add argument validation" should add to the method, in parameter order, chosen from the parameters'
    /// types and names: <c>ArgumentNullException.ThrowIfNull(p)</c> for each parameter that is a non-nullable reference
    /// type in a nullable-enabled context, and <c>ArgumentOutOfRangeException.ThrowIfNegative(p)</c> for each
    /// <c>int</c> or <c>long</c> that names a count, an index, a length, a size or a capacity (a negative one is a caller's
    /// mistake whatever the method does); none for a parameter the body already checks or names with <c>nameof</c>.
    /// The training tool's instruction data uses this same rule, so the model learns what the evaluation expects.
    /// </summary>
    public static IReadOnlyList<string> ValidationChecks(MethodDeclarationSyntax syntax, IMethodSymbol symbol)
    {
        var body = syntax.Body?.ToString() ?? syntax.ExpressionBody?.ToString() ?? "";
        var checks = new List<string>();
        foreach (var parameter in symbol.Parameters)
        {
            if (parameter.RefKind != RefKind.None || parameter.IsParams
                || Regex.IsMatch(body, $@"ThrowIf\w*\(\s*@?{Regex.Escape(parameter.Name)}\b")
                || body.Contains($"nameof({parameter.Name})", StringComparison.Ordinal))
            {
                continue;
            }
            if (parameter.Type.IsReferenceType && parameter.NullableAnnotation == NullableAnnotation.NotAnnotated)
                checks.Add($"ArgumentNullException.ThrowIfNull({parameter.Name});");
            else if (parameter.Type.SpecialType is SpecialType.System_Int32 or SpecialType.System_Int64 && NamesACount(parameter.Name))
                checks.Add($"ArgumentOutOfRangeException.ThrowIfNegative({parameter.Name});");
        }
        return checks;
    }

    private static readonly string[] CountWords = ["count", "index", "length", "size", "capacity"];

    /// <summary><c>count</c>, <c>startIndex</c>, <c>bufferLength</c>…: the whole name, or its last word, is one of <see cref="CountWords"/>.</summary>
    private static bool NamesACount(string name) =>
        CountWords.Any(word => name == word
            || name.Length > word.Length && name.EndsWith(word, StringComparison.OrdinalIgnoreCase) && char.IsUpper(name[^word.Length]));

    /// <summary>
    /// The method with its <see cref="ValidationChecks"/> before the body's first statement, one a line at that
    /// statement's indentation; null when there is none to add.
    /// </summary>
    public static string? ValidationReference(MethodDeclarationSyntax syntax, IMethodSymbol symbol, SourceText text)
    {
        if (syntax.Body is not { } body || ValidationChecks(syntax, symbol) is not { Count: > 0 } checks)
            return null;
        var insertAt = body.Statements.FirstOrDefault()?.SpanStart ?? body.CloseBraceToken.SpanStart;
        var line = text.Lines.GetLineFromPosition(insertAt);
        var before = text.ToString(TextSpan.FromBounds(line.Start, insertAt));
        var newline = text.ToString().Contains("\r\n", StringComparison.Ordinal) ? "\r\n" : "\n";
        var inserted = body.Statements.Count > 0 && before.Trim().Length == 0
            ? string.Concat(checks.Select(c => c + newline + before))
            : string.Concat(checks.Select(c => c + " "));
        return text.ToString(TextSpan.FromBounds(syntax.SpanStart, insertAt)) + inserted + text.ToString(TextSpan.FromBounds(insertAt, syntax.Span.End));
    }

    /// <summary>
    /// The method made longer in ways Roslyn simplifies back (<c>this.</c> on instance members, namespaces on types),
    /// and Roslyn's simplification of that; null when the method has nothing to lengthen.
    /// </summary>
    private static async Task<(TextChange Setup, string Reference)?> SimplifyCaseAsync(
        MethodDeclarationSyntax syntax, Document document, SemanticModel model, SourceText text, CancellationToken cancellationToken)
    {
        var lengthened = new List<TextChange>();
        foreach (var name in syntax.Body!.DescendantNodes().OfType<IdentifierNameSyntax>())
        {
            if (name.Parent is MemberAccessExpressionSyntax access && access.Name == name
                || name.Parent is QualifiedNameSyntax qualified && qualified.Right == name
                || name.Parent is NameColonSyntax or NameEqualsSyntax || name.IsVar || name.Parent is MemberBindingExpressionSyntax)
            {
                continue;
            }
            var symbol = model.GetSymbolInfo(name, cancellationToken).Symbol;
            if (symbol is IFieldSymbol or IPropertySymbol or IMethodSymbol && !symbol.IsStatic && symbol.ContainingType is not null
                && SymbolEqualityComparer.Default.Equals(
                    symbol.ContainingType.OriginalDefinition,
                    model.GetEnclosingSymbol(name.SpanStart, cancellationToken)?.ContainingType?.OriginalDefinition)
                && symbol is not IMethodSymbol { MethodKind: not MethodKind.Ordinary })
            {
                lengthened.Add(new TextChange(new TextSpan(name.SpanStart, 0), "this."));
            }
            else if (symbol is INamedTypeSymbol { ContainingType: null, ContainingNamespace.IsGlobalNamespace: false } type
                && name.Parent is not AttributeSyntax)
            {
                lengthened.Add(new TextChange(new TextSpan(name.SpanStart, 0), type.ContainingNamespace.ToDisplayString() + "."));
            }
        }
        if (lengthened.Count == 0)
            return null;
        var bodyText = text.GetSubText(syntax.Span)
            .WithChanges(lengthened.Select(c => new TextChange(new TextSpan(c.Span.Start - syntax.SpanStart, 0), c.NewText!)));
        var setup = new TextChange(syntax.Span, bodyText.ToString());
        var changed = document.WithText(text.WithChanges(setup));
        var root = await changed.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root?.FindNode(new TextSpan(syntax.SpanStart, bodyText.Length)).AncestorsAndSelf().OfType<MethodDeclarationSyntax>().FirstOrDefault()
            is not { } method)
        {
            return null;
        }
        // A namespace shadowed by a member would make the lengthened code wrong: such a method is no case.
        var changedModel = await changed.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (changedModel?.GetDiagnostics(method.Span, cancellationToken).Any(d => d.Severity == DiagnosticSeverity.Error) != false)
            return null;
        var annotated = changed.WithSyntaxRoot(root.ReplaceNode(method, method.WithAdditionalAnnotations(Simplifier.Annotation)));
        var simplified = await Simplifier.ReduceAsync(annotated, Simplifier.Annotation, null, cancellationToken).ConfigureAwait(false);
        var simplifiedRoot = await simplified.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var reference = simplifiedRoot?.DescendantNodes().OfType<MethodDeclarationSyntax>().FirstOrDefault(m => m.SpanStart == syntax.SpanStart)?.ToString();
        // Roslyn must undo what was added: a reference equal to the lengthened code would make any edit "unsafe".
        if (reference is null || Normalize(reference) == Normalize(bodyText.ToString()))
            return null;
        return (setup, reference);
    }

    /// <summary>Code compared whitespace-blind: every run of whitespace is one space, none at the ends.</summary>
    public static string Normalize(string code) => string.Join(' ', code.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    private static int LineCount(SourceText text, TextSpan span) =>
        text.Lines.GetLineFromPosition(span.End).LineNumber - text.Lines.GetLineFromPosition(span.Start).LineNumber + 1;
}
