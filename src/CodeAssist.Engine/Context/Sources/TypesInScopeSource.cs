using CodeAssist.Engine.Evaluation;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace CodeAssist.Engine.Context.Sources;

/// <summary>
/// The solution's types that are in scope at the cursor by name alone (those of the enclosing namespaces and of the
/// file's usings, declared in other files), as a compact list: a name costs a few tokens where a declaration costs
/// dozens, and a declaration line (a field, a parameter list, a base list) names the types it needs before any code
/// near the cursor does. Types the file already names are left out: the model sees them. Framework types are left to
/// the model, which knows them. Only outside code blocks and expression bodies: inside them the names near the
/// cursor bind, and the declarations of their types say more.
/// </summary>
public sealed class TypesInScopeSource : IContextSource
{
    private const int MaxTypes = 60, TypesPerLine = 10;

    public ContextPlacement Placement => ContextPlacement.BeforeFile;

    public async Task<IReadOnlyList<ContextCandidate>> GetAsync(ContextRequest request, CancellationToken cancellationToken)
    {
        if (request.RoslynDocument is not { } document)
            return [];
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var model = await request.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (root is not CompilationUnitSyntax unit || InCode(unit, request.Offset) || model is null)
            return [];

        var known = ContextRecall.Words(request.Document.Text.ToString());
        var lines = new List<string>();
        var listed = 0;
        foreach (var name in NamespacesInScope(unit, request.Offset))
        {
            if (Namespace(model.Compilation.GlobalNamespace, name) is not { } ns)
                continue;
            var types = ns.GetTypeMembers()
                .Where(t => t.DeclaredAccessibility is not Accessibility.Private && !known.Contains(t.Name))
                // By path, not by tree: a reused semantic model's symbols sit in the trees of an earlier compilation.
                .Where(t => t.Locations.Any(l => l.IsInSource && l.SourceTree!.FilePath != document.FilePath))
                .Select(t => t.Arity == 0 ? t.Name : $"{t.Name}<{string.Join(", ", t.TypeParameters.Select(p => p.Name))}>")
                .Order(StringComparer.Ordinal)
                .Take(MaxTypes - listed)
                .ToList();
            listed += types.Count;
            lines.AddRange(types.Chunk(TypesPerLine).Select(chunk => $"// types in {name}: {string.Join(", ", chunk)}"));
            if (listed == MaxTypes)
                break;
        }
        return lines.Count == 0 ? [] : [new ContextCandidate("types", "types in scope", string.Join("\n", lines), Priority: 0.65, HeaderLines: 0)];
    }

    private static bool InCode(SyntaxNode root, int offset) =>
        root.FindToken(Math.Max(0, Math.Min(offset, root.FullSpan.End) - 1)).Parent?.AncestorsAndSelf()
            .Any(n => n is BlockSyntax or ArrowExpressionClauseSyntax or GlobalStatementSyntax) == true;

    /// <summary>The enclosing namespaces, innermost first, then the file's usings in their order (aliases and static usings aside).</summary>
    private static IEnumerable<string> NamespacesInScope(CompilationUnitSyntax unit, int offset)
    {
        var token = unit.FindToken(Math.Max(0, Math.Min(offset, unit.FullSpan.End) - 1));
        var declarations = token.Parent?.AncestorsAndSelf().OfType<BaseNamespaceDeclarationSyntax>().ToList() ?? [];
        // A file-scoped namespace is not an ancestor of a token before it, nor of anything when the declaration is cut.
        if (declarations.Count == 0 && unit.Members.OfType<FileScopedNamespaceDeclarationSyntax>().FirstOrDefault() is { } fileScoped)
            declarations.Add(fileScoped);
        var names = new List<string>();
        foreach (var declaration in declarations)
        {
            var parts = declaration.Name.ToString().Split('.');
            for (var length = parts.Length; length > 0; length--)
                names.Add(string.Join('.', parts.Take(length)));
        }
        var usings = unit.Usings.Concat(unit.Members.OfType<BaseNamespaceDeclarationSyntax>().SelectMany(n => n.Usings))
            .Where(u => u.Alias is null && u.StaticKeyword.IsKind(Microsoft.CodeAnalysis.CSharp.SyntaxKind.None) && u.Name is not null)
            .Select(u => u.Name!.ToString());
        return names.Concat(usings).Distinct(StringComparer.Ordinal);
    }

    private static INamespaceSymbol? Namespace(INamespaceSymbol global, string name)
    {
        var current = global;
        foreach (var part in name.Split('.'))
        {
            current = current.GetMembers(part).OfType<INamespaceSymbol>().FirstOrDefault();
            if (current is null)
                return null;
        }
        return current;
    }
}
