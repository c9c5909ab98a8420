using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace CodeAssist.Engine.Context.Sources;

/// <summary>
/// Declarations (signatures only, no bodies) of the types that the code around the cursor uses and that live in other
/// files: the model sees the real shape of <c>Order</c> instead of guessing it. Nearest uses rank first.
/// </summary>
public sealed class ReferencedDeclarationsSource : IIncrementalContextSource
{
    private const int MaxTypes = 6;
    private const int MaxNamesExamined = 200;

    public ContextPlacement Placement => ContextPlacement.BeforeFile;

    public async Task<IReadOnlyList<ContextCandidate>> GetAsync(ContextRequest request, CancellationToken cancellationToken)
    {
        var candidates = new List<ContextCandidate>();
        await foreach (var candidate in GetOneByOneAsync(request, cancellationToken).ConfigureAwait(false))
            candidates.Add(candidate);
        return candidates;
    }

    /// <summary>An outline's namespace, header and brace with one member: less than that names a type and shows nothing of it.</summary>
    public int SmallestUsefulPiece(Func<string, int> countTokens)
    {
        // Measured once per tokenizer; sources are shared by concurrent requests, so the pair is replaced whole.
        if (_smallest is not { } known || !ReferenceEquals(known.CountTokens, countTokens))
        {
            var piece = "namespace Shop.Orders;\npublic sealed class OrderCalculator\n{\n    public decimal Total { get; set; }";
            _smallest = known = new SmallestPiece(countTokens, countTokens(piece));
        }
        return known.Tokens;
    }

    private sealed record SmallestPiece(Func<string, int> CountTokens, int Tokens);

    private SmallestPiece? _smallest;

    /// <summary>Types in the order their nearest use is found; each is found by binding names outward from the cursor.</summary>
    public async IAsyncEnumerable<ContextCandidate> GetOneByOneAsync(ContextRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (request.RoslynDocument is not { } document)
            yield break;
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var model = await request.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (root is null || model is null)
            yield break;

        var region = Region(root, request.Offset);
        var names = root.DescendantNodes(region)
            .OfType<SimpleNameSyntax>()
            .Where(n => region.Contains(n.Span))
            .OrderBy(n => Math.Abs(n.SpanStart - request.Offset))
            .Take(MaxNamesExamined);

        var types = new List<INamedTypeSymbol>();
        // The types the code around the cursor names, nearest first; then those of what is in scope at the cursor (the
        // enclosing method's parameters and return type, the enclosing types' fields, properties and primary
        // constructor's parameters): the receivers and arguments of the text still to come, which the removed or
        // unwritten rest of the line does not yet name.
        var shown = names.Concat(InScope(root, request.Offset)).SelectMany(name =>
        {
            var info = SymbolInfoOf(model, name, cancellationToken);
            return TypesToShow(info.Symbol ?? info.CandidateSymbols.FirstOrDefault());
        });
        foreach (var type in shown)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (types.Contains(type, SymbolEqualityComparer.Default))
                continue;
            // By path as well as by tree: a reused semantic model's symbols sit in the trees of an earlier compilation.
            if (!type.Locations.Any(l => l.IsInSource && l.SourceTree != root.SyntaxTree && !(document.FilePath is { } path && l.SourceTree!.FilePath == path)))
                continue;
            var rank = types.Count;
            types.Add(type);
            var outline = SignatureFormat.Outline(type);
            yield return new ContextCandidate(
                "declaration",
                RelativeTo(document, type.Locations.First(l => l.IsInSource).SourceTree!.FilePath),
                outline,
                Priority: 0.8 - 0.02 * rank,
                HeaderLines: SignatureFormat.OutlineHeaderLines(type));
            if (types.Count == MaxTypes)
                yield break;
        }
    }

    /// <summary>
    /// The type names of what is in scope at the cursor without being named near it: the enclosing method's
    /// parameters and return type, then each enclosing type's primary constructor parameters, fields and properties.
    /// Their type syntax is bound (not their declared symbols), so a speculative model answers as for any name.
    /// </summary>
    private static IEnumerable<SimpleNameSyntax> InScope(SyntaxNode root, int offset)
    {
        var token = root.FindToken(Math.Max(0, Math.Min(offset, root.FullSpan.End) - 1));
        var typeSyntaxes = new List<TypeSyntax?>();
        foreach (var node in token.Parent?.AncestorsAndSelf() ?? [])
        {
            switch (node)
            {
                case MethodDeclarationSyntax method:
                    typeSyntaxes.AddRange(method.ParameterList.Parameters.Select(p => p.Type));
                    typeSyntaxes.Add(method.ReturnType);
                    break;
                case BaseMethodDeclarationSyntax other:
                    typeSyntaxes.AddRange(other.ParameterList.Parameters.Select(p => p.Type));
                    break;
                case TypeDeclarationSyntax type:
                    typeSyntaxes.AddRange(type.ParameterList?.Parameters.Select(p => p.Type) ?? []);
                    typeSyntaxes.AddRange(type.Members.OfType<FieldDeclarationSyntax>().Select(f => f.Declaration.Type));
                    typeSyntaxes.AddRange(type.Members.OfType<PropertyDeclarationSyntax>().Select(p => p.Type));
                    break;
            }
        }
        return typeSyntaxes.OfType<TypeSyntax>().SelectMany(t => t.DescendantNodesAndSelf().OfType<SimpleNameSyntax>());
    }

    /// <summary>
    /// A speculative model (the edited method bound against an earlier compilation with the same declarations) answers
    /// for the method's body only. Names in its signature or attributes are as they were in that compilation, so they
    /// are bound there, at the method's place.
    /// </summary>
    private static SymbolInfo SymbolInfoOf(SemanticModel model, SimpleNameSyntax name, CancellationToken cancellationToken)
    {
        if (model is not { IsSpeculativeSemanticModel: true, ParentModel: { } parent } || InMethodBody(name))
            return model.GetSymbolInfo(name, cancellationToken);
        var binding = SyntaxFacts.IsInTypeOnlyContext(name) ? SpeculativeBindingOption.BindAsTypeOrNamespace : SpeculativeBindingOption.BindAsExpression;
        return parent.GetSpeculativeSymbolInfo(model.OriginalPositionForSpeculation, name, binding);
    }

    private static bool InMethodBody(SyntaxNode node) =>
        node.Ancestors().OfType<BaseMethodDeclarationSyntax>().FirstOrDefault() is { } method
        && (method.Body?.Span.Contains(node.Span) == true || method.ExpressionBody?.Span.Contains(node.Span) == true);

    /// <summary>The enclosing member's span, or a window of lines around the cursor outside members.</summary>
    private static Microsoft.CodeAnalysis.Text.TextSpan Region(SyntaxNode root, int offset)
    {
        var token = root.FindToken(Math.Max(0, Math.Min(offset, root.FullSpan.End) - 1));
        var member = token.Parent?.AncestorsAndSelf()
            .FirstOrDefault(n => n is BaseMethodDeclarationSyntax or BasePropertyDeclarationSyntax or FieldDeclarationSyntax);
        if (member is not null)
            return member.Span;
        var start = Math.Max(0, offset - 2000);
        return Microsoft.CodeAnalysis.Text.TextSpan.FromBounds(start, Math.Min(root.FullSpan.End, offset + 500));
    }

    /// <summary>
    /// The types a symbol shows the model: a member's containing type, a type itself, and the type of a value (a
    /// field, property, local or parameter, or a method's return) with the type arguments that make it up
    /// (<c>List&lt;Loan&gt;</c> shows <c>Loan</c>).
    /// </summary>
    private static IEnumerable<INamedTypeSymbol> TypesToShow(ISymbol? symbol)
    {
        var (container, value) = symbol switch
        {
            INamedTypeSymbol type => (type, null),
            IMethodSymbol { MethodKind: MethodKind.Constructor } ctor => (ctor.ContainingType, null),
            IMethodSymbol { ReducedFrom: { } extension } method => (extension.ContainingType, method.ReturnType),
            IMethodSymbol method => (method.ContainingType, method.ReturnType),
            IPropertySymbol property => (property.ContainingType, property.Type),
            IFieldSymbol field => (field.ContainingType, field.Type),
            IEventSymbol @event => (@event.ContainingType, @event.Type),
            ILocalSymbol local => (null, local.Type),
            IParameterSymbol parameter => (null, parameter.Type),
            _ => ((INamedTypeSymbol?)null, (ITypeSymbol?)null),
        };
        if (container is not null)
            yield return container.OriginalDefinition;
        foreach (var part in Parts(value, depth: 0))
            yield return part.OriginalDefinition;
    }

    private static IEnumerable<INamedTypeSymbol> Parts(ITypeSymbol? type, int depth)
    {
        if (depth > 2)
            yield break;
        switch (type)
        {
            case INamedTypeSymbol named:
                yield return named;
                foreach (var argument in named.TypeArguments.SelectMany(a => Parts(a, depth + 1)))
                    yield return argument;
                break;
            case IArrayTypeSymbol array:
                foreach (var element in Parts(array.ElementType, depth + 1))
                    yield return element;
                break;
        }
    }

    /// <summary>A file of the solution as a piece's source: its path relative to the current document's project.</summary>
    internal static string RelativeTo(Document document, string path)
    {
        var projectDirectory = document.Project.FilePath is { } projectPath ? Path.GetDirectoryName(projectPath) : null;
        return (projectDirectory is null ? Path.GetFileName(path) : Path.GetRelativePath(projectDirectory, path)).Replace('\\', '/');
    }
}
