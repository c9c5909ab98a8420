using CodeAssist.Engine.Evaluation;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace CodeAssist.Engine.Context.Sources;

/// <summary>
/// The lines of other files that use the types the current file declares: the members they call on it, the values
/// they declare of it, where they create it. Writing a declaration, this is what the compiler's other pieces cannot
/// say (the member being written does not exist yet, so nothing binds to it), and what callers written first already
/// say: <c>_fines.FineFor(loan, today)</c> in another file names the method <c>FineCalculator</c> still lacks. Members
/// the current file does not name rank first, one line each, then the other members, then the lines naming the type.
/// </summary>
/// <remarks>
/// Found by syntax in the files of the project and the projects that depend on it that mention the type's name (the
/// per-text word index <see cref="SimilarWindows"/> keeps), without binding: a value counts as the type's when its
/// declaration names the type (a field, property, parameter, local, <c>foreach</c> variable, or <c>var x = new T(…)</c>).
/// </remarks>
public sealed class UsesInOtherFilesSource : IContextSource
{
    private const int MaxTypes = 3, MaxFilesPerType = 8, MaxLinesPerType = 12, MaxLineLength = 160;

    public ContextPlacement Placement => ContextPlacement.BeforeFile;

    public async Task<IReadOnlyList<ContextCandidate>> GetAsync(ContextRequest request, CancellationToken cancellationToken)
    {
        if (request.RoslynDocument is not { } document)
            return [];
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root is null)
            return [];
        var typeNames = TypesOfTheFile(root, request.Offset, document.FilePath);
        if (typeNames.Count == 0)
            return [];

        var solution = document.Project.Solution;
        var projects = solution.GetProjectDependencyGraph().GetProjectsThatTransitivelyDependOnThisProject(document.Project.Id)
            .Select(solution.GetProject).OfType<Project>().Prepend(document.Project).Where(p => p.Language == LanguageNames.CSharp);
        var others = new List<(Document Document, SourceText Text)>();
        foreach (var other in projects.SelectMany(p => p.Documents).DistinctBy(d => d.FilePath))
        {
            // Only texts Roslyn already holds: a context build never reads the disk.
            if (other.FilePath is { } path && path != document.FilePath && other.TryGetText(out var text))
                others.Add((other, text));
        }
        var known = ContextRecall.Words(request.Document.Text.ToString());
        var candidates = new List<ContextCandidate>();
        foreach (var typeName in typeNames)
        {
            var uses = new List<Use>();
            foreach (var (other, text) in others.Where(o => SimilarWindows.Mentions(o.Text, typeName)).Take(MaxFilesPerType))
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (await other.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false) is not { } otherRoot)
                    continue;
                uses.AddRange(UsesIn(otherRoot, text, typeName, ReferencedDeclarationsSource.RelativeTo(document, other.FilePath!)));
            }
            if (Piece(typeName, uses, known) is { } piece)
                candidates.Add(new ContextCandidate("uses", $"uses of {typeName}", piece, Priority: 0.85 - 0.01 * candidates.Count, HeaderLines: 2));
        }
        return candidates;
    }

    /// <summary>A line of another file that uses the type: <paramref name="Member"/> is the member it names on it, if any.</summary>
    private sealed record Use(string Path, int Line, string Text, string? Member);

    /// <summary>
    /// The type around the cursor (innermost first), the type the file is named after (the declaration being written may
    /// not name it yet), then the file's other types.
    /// </summary>
    internal static IReadOnlyList<string> TypesOfTheFile(SyntaxNode root, int offset, string? filePath)
    {
        var names = new List<string>();
        var token = root.FindToken(Math.Max(0, Math.Min(offset, root.FullSpan.End) - 1));
        names.AddRange(token.Parent?.AncestorsAndSelf().OfType<BaseTypeDeclarationSyntax>().Select(t => t.Identifier.ValueText) ?? []);
        if (Path.GetFileNameWithoutExtension(filePath) is { Length: > 0 } stem && SyntaxFacts.IsValidIdentifier(stem))
            names.Add(stem);
        names.AddRange(root.DescendantNodes(n => n is CompilationUnitSyntax or BaseNamespaceDeclarationSyntax or TypeDeclarationSyntax)
            .OfType<BaseTypeDeclarationSyntax>().Select(t => t.Identifier.ValueText));
        return [.. names.Where(n => n.Length > 0 && !ContextRecall.IsLanguageWord(n)).Distinct(StringComparer.Ordinal).Take(MaxTypes)];
    }

    /// <summary>The lines of one file that use <paramref name="typeName"/>: accesses to its members, and lines that name it.</summary>
    private static IEnumerable<Use> UsesIn(SyntaxNode root, SourceText text, string typeName, string path)
    {
        var values = new HashSet<string>(StringComparer.Ordinal);
        var uses = new List<Use>();
        Use At(SyntaxNode node, string? member)
        {
            var line = text.Lines.GetLineFromPosition(node.SpanStart);
            var content = text.ToString(line.Span).Trim();
            return new Use(path, line.LineNumber, content.Length <= MaxLineLength ? content : content[..MaxLineLength], member);
        }

        foreach (var name in root.DescendantNodes().OfType<SimpleNameSyntax>().Where(n => n.Identifier.ValueText == typeName))
        {
            if (name.Parent is MemberAccessExpressionSyntax access && access.Expression == name)
            {
                uses.Add(At(access, access.Name.Identifier.ValueText));
                continue;
            }
            // A value of List<T> is not a T: only a declaration whose type is T itself (qualified, nullable, an array) counts.
            var typeParts = name.AncestorsAndSelf().TakeWhile(n => n is TypeSyntax or TypeArgumentListSyntax).ToList();
            switch (typeParts.Any(n => n is TypeArgumentListSyntax) ? null : typeParts[^1].Parent)
            {
                case VariableDeclarationSyntax declaration:
                    values.UnionWith(declaration.Variables.Select(v => v.Identifier.ValueText));
                    break;
                case ParameterSyntax parameter:
                    values.Add(parameter.Identifier.ValueText);
                    break;
                case PropertyDeclarationSyntax property:
                    values.Add(property.Identifier.ValueText);
                    break;
                case ForEachStatementSyntax loop:
                    values.Add(loop.Identifier.ValueText);
                    break;
                case ObjectCreationExpressionSyntax { Parent: EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax declarator } }:
                    values.Add(declarator.Identifier.ValueText);
                    break;
            }
            uses.Add(At(name, null));
        }
        if (values.Count > 0)
        {
            foreach (var node in root.DescendantNodes())
            {
                var (receiver, member) = node switch
                {
                    MemberAccessExpressionSyntax access => (access.Expression, access.Name.Identifier.ValueText),
                    ConditionalAccessExpressionSyntax { WhenNotNull: var whenNotNull } conditional => (conditional.Expression,
                        whenNotNull.DescendantNodesAndSelf().OfType<MemberBindingExpressionSyntax>().FirstOrDefault()?.Name.Identifier.ValueText),
                    _ => (null, null),
                };
                if (receiver is MemberAccessExpressionSyntax { Expression: ThisExpressionSyntax } self)
                    receiver = self.Name;
                if (member is not null && receiver is IdentifierNameSyntax value && values.Contains(value.Identifier.ValueText))
                    uses.Add(At(node, member));
            }
        }
        return uses;
    }

    /// <summary>
    /// One line per member, members the current file does not name first, then the lines that name the type; written
    /// file by file (files in the order of their best line), each file's lines in their order.
    /// </summary>
    private static string? Piece(string typeName, List<Use> uses, HashSet<string> known)
    {
        if (uses.Count == 0)
            return null;
        var members = uses.Where(u => u.Member is not null).DistinctBy(u => u.Member).ToList();
        var ranked = members.Where(u => !known.Contains(u.Member!))
            .Concat(members.Where(u => known.Contains(u.Member!)))
            .Concat(uses.Where(u => u.Member is null))
            .DistinctBy(u => (u.Path, u.Line))
            .Take(MaxLinesPerType)
            .Select((use, rank) => (use, rank))
            .ToList();
        var lines = new List<string> { $"// uses of {typeName} in other files" };
        foreach (var file in ranked.GroupBy(r => r.use.Path).OrderBy(g => g.Min(r => r.rank)))
        {
            lines.Add($"// {file.Key}:");
            lines.AddRange(file.OrderBy(r => r.use.Line).Select(r => r.use.Text));
        }
        return string.Join("\n", lines);
    }
}
