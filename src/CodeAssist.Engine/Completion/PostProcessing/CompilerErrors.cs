using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace CodeAssist.Engine.Completion.PostProcessing;

/// <summary>A compiler error as suggestions are judged by it: its code and message (which name the symbols), and where it is.</summary>
public sealed record CompilerError(string Id, string Message, TextSpan Span)
{
    public override string ToString() => $"{Id}: {Message}";
}

/// <summary>
/// What "a suggestion adds a compiler error" means (#20), in one place for the compiler check and for the eval that
/// judges it (<c>codeassist-bench eval --compiler-errors</c>), which differ only in what they bind: the check the
/// members a suggestion touches in a fork of the last compilation, the eval the whole document from the cursor on.
/// Binding errors only (the syntax check has judged the syntax already), without those that incomplete code always
/// has; the text with the suggestion adds an error when it has one that the text without it had not (same code and
/// message, counted).
/// </summary>
public static class CompilerErrors
{
    /// <summary>Errors that no continuation of the text can remove: a name, type, namespace or member that does not exist.</summary>
    private static readonly HashSet<string> NeverExcused = new(StringComparer.Ordinal) { "CS0103", "CS0117", "CS1061", "CS0246", "CS0234" };

    /// <summary>
    /// The binding errors of <paramref name="model"/>'s tree within <paramref name="region"/> (null: all of it), without the
    /// excused ones; only those of method bodies and initializers when <paramref name="bodiesOnly"/> (the declarations are
    /// known to be the same as in a text whose errors are known).
    /// </summary>
    public static IReadOnlyList<CompilerError> In(SemanticModel model, TextSpan? region, CancellationToken cancellationToken, bool bodiesOnly = false)
    {
        var root = model.SyntaxTree.GetRoot(cancellationToken);
        var errors = new List<CompilerError>();
        // Declaration and method-body diagnostics are the binder's; GetDiagnostics would add the parser's.
        var declarations = bodiesOnly ? [] : model.GetDeclarationDiagnostics(region, cancellationToken);
        foreach (var diagnostic in declarations.Concat(model.GetMethodBodyDiagnostics(region, cancellationToken)))
        {
            if (diagnostic.Severity != DiagnosticSeverity.Error || !diagnostic.Location.IsInSource
                || Excused(root, diagnostic.Id, diagnostic.Location.SourceSpan))
            {
                continue;
            }
            errors.Add(new CompilerError(diagnostic.Id, diagnostic.GetMessage(CultureInfo.InvariantCulture), diagnostic.Location.SourceSpan));
        }
        return errors;
    }

    /// <summary>The first error (in text order) of <paramref name="with"/> that <paramref name="without"/> does not have as often, or null.</summary>
    public static CompilerError? FirstAdded(IReadOnlyList<CompilerError> without, IReadOnlyList<CompilerError> with)
    {
        var had = without.GroupBy(e => e.ToString(), StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        foreach (var error in with.OrderBy(e => e.Span.Start))
        {
            if (had.TryGetValue(error.ToString(), out var count) && count > 0)
                had[error.ToString()] = count - 1;
            else
                return error;
        }
        return null;
    }

    /// <summary>Errors about a member's body (none yet, or not all of it typed): excused while the body is unfinished.</summary>
    private static readonly HashSet<string> BodyErrors = new(StringComparer.Ordinal)
    {
        "CS0501", "CS0161", "CS0548", "CS0840", "CS0177", "CS0171", "CS0843", "CS8050",
    };

    /// <summary>
    /// An error on a construct the parser found unfinished is one of code still being typed (`Lines.Sum(l => l.Price`
    /// whose call closes on a later keystroke, `var total =` whose value is to come, `return` alone): the node the
    /// error is on, or one of its ancestors up to the statement or member that holds it (that statement only when the
    /// error is on it), has a syntax error. So `names.Add(name, "name")` still waiting for its semicolon is not
    /// excused: its call is complete. An error on a member itself is excused while its header (name, type, parameter
    /// list, base list) is unfinished, and an error about its body while the body is. A name that exists nowhere is
    /// never excused, as no continuation fixes it, unless it is `var` read as a name, a declaration the parser found
    /// unfinished.
    /// </summary>
    internal static bool Excused(SyntaxNode root, string id, TextSpan span)
    {
        var node = root.FindNode(span, getInnermostNodeForTie: true);
        if (NeverExcused.Contains(id) && node is not IdentifierNameSyntax { IsVar: true })
            return false;
        if (node is MemberDeclarationSyntax member)
        {
            var parts = member.ChildNodesAndTokens().ToList();
            return parts.Where(p => !IsBodyPart(p)).Any(HasSyntaxError)
                || BodyErrors.Contains(id) && parts.Where(IsBodyPart).Any(HasSyntaxError);
        }
        foreach (var construct in node.AncestorsAndSelf())
        {
            if (construct != node && construct is StatementSyntax or MemberDeclarationSyntax or UsingDirectiveSyntax)
                break;
            if (HasSyntaxError(construct))
                return true;
            if (construct is StatementSyntax or UsingDirectiveSyntax)
                break;
        }
        return false;
    }

    /// <summary>A member's body, accessors, initializer or closing semicolon, or a type's braces and members: what follows its header.</summary>
    private static bool IsBodyPart(SyntaxNodeOrToken part) => part.IsNode
        ? part.AsNode() is BlockSyntax or ArrowExpressionClauseSyntax or AccessorListSyntax or EqualsValueClauseSyntax or MemberDeclarationSyntax
        : part.AsToken().Kind() is SyntaxKind.SemicolonToken or SyntaxKind.OpenBraceToken or SyntaxKind.CloseBraceToken;

    private static bool HasSyntaxError(SyntaxNodeOrToken part) =>
        part.ContainsDiagnostics && part.GetDiagnostics().Any(d => d.Severity == DiagnosticSeverity.Error);
}
