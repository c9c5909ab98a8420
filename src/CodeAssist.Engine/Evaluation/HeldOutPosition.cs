using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace CodeAssist.Engine.Evaluation;

/// <summary>
/// A held-out position: a real line of a file, cut at <see cref="Cut"/>; the text up to <see cref="End"/> (the line's last
/// non-blank character) is removed.
/// </summary>
public sealed record HeldOutPosition(string FilePath, int Line, int Cut, int End)
{
    /// <summary>
    /// Positions drawn with a seeded generator from the code lines of <paramref name="files"/> (in path order): a line
    /// with code on it (not blank, a comment, a using, a namespace or a lone brace), cut at a column between its first
    /// non-blank character and its last. The same files and seed give the same positions.
    /// </summary>
    public static IEnumerable<HeldOutPosition> Draw(IReadOnlyList<(string Path, SourceText Text)> files, int seed)
    {
        var lines = new List<(int File, int Line)>();
        for (var f = 0; f < files.Count; f++)
        {
            foreach (var line in files[f].Text.Lines)
            {
                if (IsCode(files[f].Text.ToString(line.Span)))
                    lines.Add((f, line.LineNumber));
            }
        }
        if (lines.Count == 0)
            yield break;
        var random = new Random(seed);
        while (true)
        {
            var (file, lineNumber) = lines[random.Next(lines.Count)];
            var text = files[file].Text;
            var line = text.Lines[lineNumber];
            var content = text.ToString(line.Span);
            var first = content.Length - content.TrimStart().Length;
            var last = content.TrimEnd().Length;
            yield return new HeldOutPosition(files[file].Path, lineNumber, line.Start + first + random.Next(last - first), line.Start + last);
        }
    }

    private static bool IsCode(string line)
    {
        var trimmed = line.Trim();
        return trimmed.Length > 1 && !trimmed.StartsWith("//", StringComparison.Ordinal) && !trimmed.StartsWith("using ", StringComparison.Ordinal)
            && !trimmed.StartsWith("namespace ", StringComparison.Ordinal) && !trimmed.StartsWith('#') && !trimmed.StartsWith('[')
            && trimmed.Any(char.IsLetter);
    }

    /// <summary>
    /// Where the cursor is, as the engine sees it in the edited text: typing a member name after a dot, inside an
    /// argument list, at the start of a statement, at the start of a declaration (outside method bodies), or elsewhere
    /// in an expression.
    /// </summary>
    public static string KindAt(SyntaxNode root, int offset)
    {
        var text = root.SyntaxTree.GetText();
        var token = root.FindToken(Math.Max(0, offset - 1));
        var touching = offset > 0 && token.Span.End == offset;
        if (touching && token.IsKind(SyntaxKind.DotToken)
            || touching && token.IsKind(SyntaxKind.IdentifierToken)
               && token.Parent?.Parent is MemberAccessExpressionSyntax or QualifiedNameSyntax or MemberBindingExpressionSyntax
               && token.GetPreviousToken().IsKind(SyntaxKind.DotToken))
        {
            return "after dot";
        }
        var line = text.Lines.GetLineFromPosition(offset);
        var typedOnLine = text.ToString(TextSpan.FromBounds(line.Start, offset)).TrimEnd();
        var wordStart = typedOnLine.Length;
        while (wordStart > 0 && (char.IsLetterOrDigit(typedOnLine[wordStart - 1]) || typedOnLine[wordStart - 1] == '_'))
            wordStart--;
        var inBody = token.Parent?.AncestorsAndSelf()
            .Any(n => n is BlockSyntax or ArrowExpressionClauseSyntax or AccessorDeclarationSyntax or GlobalStatementSyntax) == true;
        if (typedOnLine[..wordStart].Trim().Length == 0)
            return inBody ? "statement start" : "declaration";
        if (token.Parent?.AncestorsAndSelf().OfType<ArgumentListSyntax>()
                .Any(a => offset > a.OpenParenToken.SpanStart && (a.CloseParenToken.IsMissing || offset <= a.CloseParenToken.SpanStart)) == true)
        {
            return "argument list";
        }
        return inBody ? "expression" : "declaration";
    }

    /// <summary>
    /// What a target identifier names, bound in the original file: a member of a type declared in the solution, a
    /// member from a referenced assembly (the framework or a package), a type, a namespace, a local or parameter, a
    /// name the removed text declares, or nothing the compiler can resolve.
    /// </summary>
    public static string IdentifierKind(SemanticModel model, SyntaxToken token, CancellationToken cancellationToken)
    {
        if (token.Parent is not { } node)
            return "unresolved";
        var info = model.GetSymbolInfo(node, cancellationToken);
        var symbol = info.Symbol ?? info.CandidateSymbols.FirstOrDefault();
        if (symbol is null)
            return model.GetDeclaredSymbol(node, cancellationToken) is not null ? "declared here" : "unresolved";
        return symbol switch
        {
            ITypeSymbol => "type name",
            INamespaceSymbol => "namespace",
            IMethodSymbol { MethodKind: MethodKind.Constructor } => "type name",
            IMethodSymbol or IPropertySymbol or IFieldSymbol or IEventSymbol =>
                (symbol is IMethodSymbol { ReducedFrom: { } from } ? from : symbol).Locations.Any(l => l.IsInSource) ? "solution member" : "framework member",
            ILocalSymbol or IParameterSymbol or IRangeVariableSymbol or ILabelSymbol => "local or parameter",
            _ => "unresolved",
        };
    }
}
