using Microsoft.CodeAnalysis;

namespace CodeAssist.Engine.Context.Sources;

/// <summary>Compact, compilable-looking signatures: what a model needs to call an API, without bodies.</summary>
internal static class SignatureFormat
{
    private static readonly SymbolDisplayFormat Member = new(
        globalNamespaceStyle: SymbolDisplayGlobalNamespaceStyle.Omitted,
        typeQualificationStyle: SymbolDisplayTypeQualificationStyle.NameOnly,
        genericsOptions: SymbolDisplayGenericsOptions.IncludeTypeParameters | SymbolDisplayGenericsOptions.IncludeTypeConstraints,
        memberOptions: SymbolDisplayMemberOptions.IncludeAccessibility | SymbolDisplayMemberOptions.IncludeModifiers | SymbolDisplayMemberOptions.IncludeType
            | SymbolDisplayMemberOptions.IncludeParameters | SymbolDisplayMemberOptions.IncludeRef | SymbolDisplayMemberOptions.IncludeConstantValue,
        parameterOptions: SymbolDisplayParameterOptions.IncludeType | SymbolDisplayParameterOptions.IncludeName
            | SymbolDisplayParameterOptions.IncludeDefaultValue
            | SymbolDisplayParameterOptions.IncludeParamsRefOut | SymbolDisplayParameterOptions.IncludeExtensionThis,
        propertyStyle: SymbolDisplayPropertyStyle.ShowReadWriteDescriptor,
        kindOptions: SymbolDisplayKindOptions.IncludeMemberKeyword,
        miscellaneousOptions: SymbolDisplayMiscellaneousOptions.UseSpecialTypes | SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    private static readonly SymbolDisplayFormat TypeHeader = new(
        globalNamespaceStyle: SymbolDisplayGlobalNamespaceStyle.Omitted,
        typeQualificationStyle: SymbolDisplayTypeQualificationStyle.NameOnly,
        genericsOptions: SymbolDisplayGenericsOptions.IncludeTypeParameters,
        kindOptions: SymbolDisplayKindOptions.IncludeTypeKeyword,
        miscellaneousOptions: SymbolDisplayMiscellaneousOptions.UseSpecialTypes);

    public static string Of(ISymbol symbol) => symbol switch
    {
        IMethodSymbol { MethodKind: MethodKind.Constructor } ctor =>
            $"{Accessibility(ctor)}{ctor.ContainingType.Name}({string.Join(", ", ctor.Parameters.Select(p => p.ToDisplayString(Member)))});",
        IMethodSymbol or IPropertySymbol or IFieldSymbol or IEventSymbol => symbol.ToDisplayString(Member) + (symbol is IPropertySymbol ? "" : ";"),
        INamedTypeSymbol type => Header(type),
        _ => symbol.ToDisplayString(Member),
    };

    public static string Header(INamedTypeSymbol type)
    {
        var modifier = type.IsStatic ? "static "
            : type.IsSealed && type.TypeKind == TypeKind.Class ? "sealed "
            : type.IsAbstract && type.TypeKind == TypeKind.Class ? "abstract "
            : "";
        var header = $"{Accessibility(type)}{modifier}{type.ToDisplayString(TypeHeader)}";
        var bases = new List<string>();
        if (type.BaseType is { SpecialType: not SpecialType.System_Object and not SpecialType.System_ValueType } baseType && type.TypeKind == TypeKind.Class)
            bases.Add(baseType.ToDisplayString(TypeHeader.WithKindOptions(SymbolDisplayKindOptions.None)));
        bases.AddRange(type.Interfaces.Select(i => i.ToDisplayString(TypeHeader.WithKindOptions(SymbolDisplayKindOptions.None))));
        return bases.Count > 0 ? $"{header} : {string.Join(", ", bases)}" : header;
    }

    /// <summary>A type's outline: header and the signatures of the members other code can use, no bodies.</summary>
    public static string Outline(INamedTypeSymbol type, int maxMembers = 40)
    {
        var members = type.GetMembers()
            .Where(m => !m.IsImplicitlyDeclared && m.DeclaredAccessibility is Microsoft.CodeAnalysis.Accessibility.Public
                or Microsoft.CodeAnalysis.Accessibility.Internal or Microsoft.CodeAnalysis.Accessibility.Protected)
            .Where(m => m is not IMethodSymbol
            {
                MethodKind: MethodKind.PropertyGet or MethodKind.PropertySet or MethodKind.EventAdd or MethodKind.EventRemove,
            })
            .Take(maxMembers)
            .Select(m => "    " + Of(m));
        var ns = type.ContainingNamespace is { IsGlobalNamespace: false } n ? $"namespace {n.ToDisplayString()};\n" : "";
        return $"{ns}{Header(type)}\n{{\n{string.Join("\n", members)}\n}}";
    }

    /// <summary>The lines of <see cref="Outline"/> before its first member: the namespace (when there is one), the header and the brace.</summary>
    public static int OutlineHeaderLines(INamedTypeSymbol type) => type.ContainingNamespace is { IsGlobalNamespace: false } ? 3 : 2;

    private static string Accessibility(ISymbol symbol) => symbol.DeclaredAccessibility switch
    {
        Microsoft.CodeAnalysis.Accessibility.Public => "public ",
        Microsoft.CodeAnalysis.Accessibility.Internal => "internal ",
        Microsoft.CodeAnalysis.Accessibility.Protected => "protected ",
        Microsoft.CodeAnalysis.Accessibility.Private => "private ",
        _ => "",
    };
}
