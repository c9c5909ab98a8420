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
        // What the user has typed of the member's name ranks the members that start with it first (after
        // `Console.WriteL`, WriteLine leads the list instead of being cut off alphabetically), extension methods included.
        var typed = TypedPrefix(access, request.Offset);
        bool Typed(string name) => typed.Length > 0 && name.StartsWith(typed, StringComparison.OrdinalIgnoreCase);
        var ranked = Ranked(model.LookupSymbols(position, container), container, staticOnly, Typed);
        if (!staticOnly && container is ITypeSymbol receiverType)
        {
            var extensions = new List<ISymbol>();
            if (typed.Length > 0)
                extensions.AddRange(ExtensionMethodsInScope.ForReceiver(model, position, receiverType, MaxMembers, Keep, cancellationToken, Typed));
            if (ranked.Count + extensions.Count < MaxMembers)
            {
                extensions.AddRange(ExtensionMethodsInScope.ForReceiver(model, position, receiverType, MaxMembers - ranked.Count - extensions.Count, Keep,
                    cancellationToken, typed.Length > 0 ? name => !Typed(name) : null));
            }
            ranked = [.. ranked.Concat(extensions).OrderBy(m => Typed(m.Name) ? 0 : 1)];
        }
        var members = Signatures(ranked);
        if (members.Count == 0)
            return [];
        return [new ContextCandidate("members", $"members of {name}", header + string.Join("\n", members), Priority: 0.95)];
    }

    private static List<ISymbol> Ranked(IEnumerable<ISymbol> symbols, INamespaceOrTypeSymbol container, bool staticOnly, Func<string, bool> typed) =>
        [.. symbols
            .Where(m => Listed(m, container, staticOnly))
            .OrderBy(m => typed(m.Name) ? 0 : 1)
            .ThenBy(m => Rank(m, container))
            .ThenBy(m => m.Name, StringComparer.Ordinal)];

    private static bool Listed(ISymbol m, INamespaceOrTypeSymbol container, bool staticOnly) =>
        !m.IsImplicitlyDeclared && m.CanBeReferencedByName
        && (container is INamespaceSymbol || m.IsStatic == staticOnly || m is INamedTypeSymbol || (m is IMethodSymbol { ReducedFrom: not null }))
        && m is not IMethodSymbol { MethodKind: MethodKind.Constructor };

    private static bool Keep(IMethodSymbol reduced) => !reduced.IsImplicitlyDeclared && reduced.CanBeReferencedByName;

    /// <summary>
    /// One line per name, in rank order: a method group shows its first overload and how many more there are, so a
    /// list of the same length names more members (the overloads are what the argument list shows).
    /// </summary>
    private static List<string> Signatures(List<ISymbol> ranked) =>
        [.. ranked.Take(MaxMembers).GroupBy(m => m.Name, StringComparer.Ordinal).Select(group =>
        {
            var overloads = group.Select(SignatureFormat.Of).Distinct().Count();
            return SignatureFormat.Of(group.First()) + (overloads > 1 ? $" // +{overloads - 1} overloads" : "");
        })];

    /// <summary>The part of the member's name typed before the cursor ("" right after the dot).</summary>
    private static string TypedPrefix(MemberAccessExpressionSyntax access, int offset)
    {
        var name = access.Name.Identifier;
        return name.IsMissing || offset <= name.SpanStart ? "" : name.ValueText[..Math.Min(name.ValueText.Length, offset - name.SpanStart)];
    }

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
