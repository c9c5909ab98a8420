using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace CodeAssist.Engine.Context.Sources;

/// <summary>
/// After <c>expr.</c>: the members of <c>expr</c>'s type, including extension methods in scope, as compact signatures —
/// so the model picks a member that exists instead of one that merely sounds right.
/// </summary>
public sealed class ReceiverMembersSource : IContextSource
{
    private const int MaxMembers = 60;

    public ContextPlacement Placement => ContextPlacement.AboveCursorLine;

    public async Task<IReadOnlyList<ContextCandidate>> GetAsync(ContextRequest request, CancellationToken cancellationToken)
    {
        if (request.RoslynDocument is not { } document)
            return [];
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root is null || request.Offset == 0)
            return [];
        var access = FindMemberAccess(root, request.Offset);
        if (access is null)
            return [];
        var model = await request.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (model is null)
            return [];

        var receiver = access.Expression;
        var symbol = model.GetSymbolInfo(receiver, cancellationToken).Symbol;
        INamespaceOrTypeSymbol? container;
        bool staticOnly;
        if (symbol is INamespaceOrTypeSymbol namespaceOrType)
        {
            container = namespaceOrType;
            staticOnly = true;
        }
        else
        {
            container = model.GetTypeInfo(receiver, cancellationToken).Type;
            staticOnly = false;
        }
        if (container is null or IErrorTypeSymbol)
            return [];

        var name = container.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat);
        var header = $"// {receiver} is {name}; its members:\n";
        var position = access.OperatorToken.SpanStart + 1;
        // Extension methods rank after the type's own and inherited members, by name, so only the first few names can
        // still make the list. Reducing every extension method in scope to the receiver's type (all of LINQ for a
        // List<T>: 10-20 ms) is the costliest lookup of a context build; instead the names in scope are walked in
        // order and only those whose methods could take this receiver are looked up, until the list is full.
        var ranked = Ranked(model.LookupSymbols(position, container), container, staticOnly);
        if (!staticOnly && ranked.Count < MaxMembers && container is ITypeSymbol receiverType)
            ranked.AddRange(ExtensionMethodsInScope.ForReceiver(model, position, receiverType, MaxMembers - ranked.Count, Keep, cancellationToken));
        var members = Signatures(ranked);
        if (members.Count == 0)
            return [];
        return [new ContextCandidate("members", $"members of {name}", header + string.Join("\n", members), Priority: 0.95)];
    }

    private static List<ISymbol> Ranked(IEnumerable<ISymbol> symbols, INamespaceOrTypeSymbol container, bool staticOnly) =>
        [.. symbols
            .Where(m => Listed(m, container, staticOnly))
            .OrderBy(m => Rank(m, container))
            .ThenBy(m => m.Name, StringComparer.Ordinal)];

    private static bool Listed(ISymbol m, INamespaceOrTypeSymbol container, bool staticOnly) =>
        !m.IsImplicitlyDeclared && m.CanBeReferencedByName
        && (container is INamespaceSymbol || m.IsStatic == staticOnly || m is INamedTypeSymbol || (m is IMethodSymbol { ReducedFrom: not null }))
        && m is not IMethodSymbol { MethodKind: MethodKind.Constructor };

    private static bool Keep(IMethodSymbol reduced) => !reduced.IsImplicitlyDeclared && reduced.CanBeReferencedByName;

    private static List<string> Signatures(List<ISymbol> ranked) => [.. ranked.Take(MaxMembers).Select(SignatureFormat.Of).Distinct()];

    /// <summary>The member access whose name the cursor is typing (or right after its dot).</summary>
    private static MemberAccessExpressionSyntax? FindMemberAccess(SyntaxNode root, int offset)
    {
        var token = root.FindToken(offset - 1);
        if (token.IsKind(SyntaxKind.DotToken) && token.Parent is MemberAccessExpressionSyntax afterDot)
            return afterDot;
        if (token.IsKind(SyntaxKind.IdentifierToken) && token.Parent?.Parent is MemberAccessExpressionSyntax typing && typing.Name.Span.Contains(offset - 1))
            return typing;
        return null;
    }

    /// <summary>The type's own members first, then inherited ones, then extension methods.</summary>
    private static int Rank(ISymbol member, INamespaceOrTypeSymbol container) =>
        member is IMethodSymbol { ReducedFrom: not null } ? 2 : SymbolEqualityComparer.Default.Equals(member.ContainingType, container as ITypeSymbol) ? 0 : 1;
}
