using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace CodeAssist.Engine.Context.Sources;

/// <summary>
/// The file's usings and the signatures of the namespace, types and member around the cursor, when the prefix window
/// no longer shows them: a model deep in a long method still knows where it is.
/// </summary>
public sealed class EnclosingScopeSource : IContextSource
{
    public ContextPlacement Placement => ContextPlacement.BeforeFile;

    public async Task<IReadOnlyList<ContextCandidate>> GetAsync(ContextRequest request, CancellationToken cancellationToken)
    {
        if (request.RoslynDocument is not { } document)
            return [];
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root is null)
            return [];
        var windowStart = request.Offset - request.PrefixWindow.Length;
        var lines = new List<string>();
        if (root is CompilationUnitSyntax unit)
            lines.AddRange(unit.Usings.Where(u => u.SpanStart < windowStart).Select(u => u.ToString().Trim()));

        var token = root.FindToken(Math.Max(0, Math.Min(request.Offset, root.FullSpan.End) - 1));
        var scopes = token.Parent?.AncestorsAndSelf()
            .Where(n => n is BaseNamespaceDeclarationSyntax or BaseTypeDeclarationSyntax or MemberDeclarationSyntax)
            .Where(n => n.SpanStart < windowStart)
            .Reverse()
            .ToList() ?? [];
        var depth = 0;
        foreach (var scope in scopes)
        {
            var header = HeaderOf(scope);
            if (header is null)
                continue;
            lines.Add(new string(' ', 4 * depth) + header);
            if (scope is not FileScopedNamespaceDeclarationSyntax)
                depth++;
        }
        if (lines.Count == 0)
            return [];
        var path = document.FilePath is { } p ? Path.GetFileName(p) : document.Name;
        return [new ContextCandidate("scope", $"{path} (outline around the cursor)", string.Join("\n", lines), Priority: 1.0)];
    }

    private static string? HeaderOf(SyntaxNode node) => node switch
    {
        FileScopedNamespaceDeclarationSyntax ns => $"namespace {ns.Name};",
        NamespaceDeclarationSyntax ns => $"namespace {ns.Name}",
        BaseTypeDeclarationSyntax type => Flatten(type.ToString()[..HeaderLength(type)]),
        BaseMethodDeclarationSyntax method =>
            Flatten(method.ToString()[..((method.Body?.SpanStart ?? method.ExpressionBody?.SpanStart ?? method.Span.End) - method.SpanStart)]),
        BasePropertyDeclarationSyntax property =>
            Flatten(property.ToString()[..((property.AccessorList?.SpanStart ?? property.Span.End) - property.SpanStart)]),
        _ => null,
    };

    private static int HeaderLength(BaseTypeDeclarationSyntax type) =>
        (type.OpenBraceToken.IsMissing || type.OpenBraceToken.SpanStart == 0 ? type.Span.End : type.OpenBraceToken.SpanStart) - type.SpanStart;

    /// <summary>Attributes and doc comments stay out; a header spread over lines becomes one line.</summary>
    private static string Flatten(string header) =>
        string.Join(" ", header.Split('\n')
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('[') && !l.StartsWith("//", StringComparison.Ordinal)));
}
