using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;

namespace CodeAssist.Engine.Context.Sources;

/// <summary>
/// The extension methods a receiver can call at a position, by name in ordinal order, looked up only as far as a caller
/// needs them. The candidates in scope (every extension method of the namespaces and types the position imports or sits
/// in) are listed once per compilation and import scope; a name is then asked of Roslyn only when one of its methods
/// could take the receiver at all, so a list that needs five LINQ methods reduces those, not all two hundred. Roslyn's
/// answer for each name decides what is listed and in which order, as in a full lookup.
/// </summary>
internal static class ExtensionMethodsInScope
{
    /// <summary>
    /// Per compilation (a speculative model's is the base compilation, so consecutive keystrokes and the other files of
    /// a project share it): the candidates by import scope. A compilation that is dropped takes its entry with it, and a
    /// changed declaration means a new compilation, so the cache never answers for code that changed.
    /// </summary>
    private static readonly ConditionalWeakTable<Compilation, ConcurrentDictionary<string, Candidates>> ByCompilation = new();

    /// <summary>
    /// The first extension methods (reduced to <paramref name="receiver"/>) in the order a full lookup ranks them — by
    /// name, ordinal; within a name as Roslyn lists them — until at least <paramref name="wanted"/> are found (the
    /// last name is always given whole). With <paramref name="named"/>, only names it accepts are looked at.
    /// </summary>
    public static List<ISymbol> ForReceiver(
        SemanticModel model, int position, ITypeSymbol receiver, int wanted, Func<IMethodSymbol, bool> keep, CancellationToken cancellationToken,
        Func<string, bool>? named = null)
    {
        var found = new List<ISymbol>();
        if (wanted <= 0)
            return found;
        var candidates = CandidatesAt(model, position, cancellationToken);
        var receivedAs = new Lazy<HashSet<ISymbol>>(() => Conversions(receiver));
        foreach (var (name, methods) in candidates.ByName)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (named is not null && !named(name) || !methods.Any(m => CouldTake(m, receiver, receivedAs)))
                continue;
            foreach (var symbol in model.LookupSymbols(position, receiver, name, includeReducedExtensionMethods: true))
            {
                if (symbol is IMethodSymbol { ReducedFrom: not null } reduced && keep(reduced))
                    found.Add(reduced);
            }
            if (found.Count >= wanted)
                break;
        }
        return found;
    }

    private static Candidates CandidatesAt(SemanticModel model, int position, CancellationToken cancellationToken)
    {
        var containers = new List<INamespaceOrTypeSymbol>();
        // Namespaces around the position, innermost first, down to the global namespace.
        for (var ns = model.GetEnclosingSymbol(position, cancellationToken)?.ContainingNamespace; ns is not null; ns = ns.ContainingNamespace)
            containers.Add(ns);
        foreach (var scope in model.GetImportScopes(position, cancellationToken))
        {
            foreach (var import in scope.Imports)
            {
                if (import.NamespaceOrType is { } imported)
                    containers.Add(imported);
            }
        }
        var key = string.Join("|", containers.Select(c => c.ToDisplayString()).Distinct().Order(StringComparer.Ordinal));
        return ByCompilation.GetValue(model.Compilation, _ => new()).GetOrAdd(key, _ => Candidates.Of(containers));
    }

    /// <summary>
    /// Whether a reference, boxing or identity conversion could take the receiver to the method's <c>this</c>
    /// parameter — the only conversions an extension method's receiver may use. Only a plain named receiver against a
    /// named parameter type is ever ruled out, so no method that Roslyn would reduce is skipped.
    /// </summary>
    private static bool CouldTake(IMethodSymbol? method, ITypeSymbol receiver, Lazy<HashSet<ISymbol>> receivedAs)
    {
        if (method is null || !method.IsExtensionMethod || method.Parameters.Length == 0)
            return true;
        if (receiver is not INamedTypeSymbol named || named.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T
            || receiver.TypeKind is TypeKind.Error or TypeKind.Dynamic)
        {
            return true;
        }
        if (method.Parameters[0].Type is not INamedTypeSymbol parameter || parameter.SpecialType == SpecialType.System_Object)
            return true;
        return receivedAs.Value.Contains(parameter.OriginalDefinition);
    }

    /// <summary>The original definitions of the receiver's type, its base types and its interfaces.</summary>
    private static HashSet<ISymbol> Conversions(ITypeSymbol receiver)
    {
        var types = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
        for (var type = receiver; type is not null; type = type.BaseType)
            types.Add(type.OriginalDefinition);
        foreach (var implemented in receiver.AllInterfaces)
            types.Add(implemented.OriginalDefinition);
        return types;
    }

    /// <summary>The extension methods of a set of namespaces and types, grouped by name in ordinal order.</summary>
    private sealed class Candidates(SortedDictionary<string, List<IMethodSymbol?>> byName)
    {
        public SortedDictionary<string, List<IMethodSymbol?>> ByName { get; } = byName;

        public static Candidates Of(IEnumerable<INamespaceOrTypeSymbol> containers)
        {
            var byName = new SortedDictionary<string, List<IMethodSymbol?>>(StringComparer.Ordinal);
            var seen = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
            foreach (var container in containers)
            {
                IEnumerable<INamedTypeSymbol> types = container is INamespaceSymbol ns ? ns.GetTypeMembers() : [(INamedTypeSymbol)container];
                foreach (var type in types)
                {
                    if (!type.MightContainExtensionMethods || !seen.Add(type))
                        continue;
                    foreach (var member in type.GetMembers())
                    {
                        // Extension blocks (C# 14) hold their members in a nested type: their names are asked of
                        // Roslyn like any other, without the receiver check.
                        if (member is IMethodSymbol { IsExtensionMethod: true } method)
                        {
                            Add(byName, method.Name, method);
                        }
                        else if (member is INamedTypeSymbol { TypeKind: TypeKind.Extension } block)
                        {
                            foreach (var blockMember in block.GetMembers().Where(m => m.CanBeReferencedByName))
                                Add(byName, blockMember.Name, null);
                        }
                    }
                }
            }
            return new Candidates(byName);
        }

        private static void Add(SortedDictionary<string, List<IMethodSymbol?>> byName, string name, IMethodSymbol? method)
        {
            if (!byName.TryGetValue(name, out var methods))
                byName[name] = methods = [];
            // A block member is kept as null: the name is always asked.
            methods.Add(method);
        }
    }
}
