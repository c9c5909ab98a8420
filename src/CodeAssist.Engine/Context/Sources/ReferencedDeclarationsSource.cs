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
        foreach (var name in names)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var info = SymbolInfoOf(model, name, cancellationToken);
            var type = TypeToShow(info.Symbol ?? info.CandidateSymbols.FirstOrDefault());
            if (type is null || types.Contains(type, SymbolEqualityComparer.Default))
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

    private static INamedTypeSymbol? TypeToShow(ISymbol? symbol) => symbol switch
    {
        INamedTypeSymbol type => type.OriginalDefinition,
        IMethodSymbol { MethodKind: MethodKind.Constructor } ctor => ctor.ContainingType.OriginalDefinition,
        IMethodSymbol { ReducedFrom: { } extension } => extension.ContainingType.OriginalDefinition,
        IMethodSymbol or IPropertySymbol or IFieldSymbol or IEventSymbol => symbol.ContainingType?.OriginalDefinition,
        ILocalSymbol local => local.Type as INamedTypeSymbol,
        IParameterSymbol parameter => parameter.Type as INamedTypeSymbol,
        _ => null,
    };

    private static string RelativeTo(Document document, string path)
    {
        var projectDirectory = document.Project.FilePath is { } projectPath ? Path.GetDirectoryName(projectPath) : null;
        return (projectDirectory is null ? Path.GetFileName(path) : Path.GetRelativePath(projectDirectory, path)).Replace('\\', '/');
    }
}
