using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace CodeAssist.Engine.Refactoring;

/// <summary>
/// What a selection (or a bare cursor) points at, read from the syntax tree alone: the member around it and whether it
/// covers whole statements. Deciding which refactorings to offer never needs more than this, so listing them is cheap.
/// </summary>
internal sealed class RefactoringSite
{
    private RefactoringSite(SourceText text, TextSpan selection, MemberDeclarationSyntax? member, IReadOnlyList<StatementSyntax> statements)
    {
        Text = text;
        Selection = selection;
        Member = member;
        Statements = statements;
    }

    public SourceText Text { get; }

    /// <summary>The selection with surrounding whitespace trimmed; empty for a bare cursor.</summary>
    public TextSpan Selection { get; }

    /// <summary>The innermost member (method, property, field, type…) that holds the whole selection.</summary>
    public MemberDeclarationSyntax? Member { get; }

    /// <summary>Sibling statements the selection covers exactly, first to last; empty when it does not.</summary>
    public IReadOnlyList<StatementSyntax> Statements { get; }

    public static RefactoringSite Find(SyntaxNode root, SourceText text, int start, int end)
    {
        start = Math.Clamp(start, 0, text.Length);
        end = Math.Clamp(end, start, text.Length);
        while (start < end && char.IsWhiteSpace(text[start]))
            start++;
        while (end > start && char.IsWhiteSpace(text[end - 1]))
            end--;
        var selection = TextSpan.FromBounds(start, end);
        var member = root.FindToken(Math.Min(start, Math.Max(0, root.FullSpan.End - 1))).Parent?.AncestorsAndSelf()
            .OfType<MemberDeclarationSyntax>()
            .FirstOrDefault(m => IsRefactorableMember(m) && m.FullSpan.Contains(selection.Start) && selection.End <= m.FullSpan.End);
        return new RefactoringSite(text, selection, member, selection.IsEmpty ? [] : CoveredStatements(root, selection));
    }

    public bool HasSelection => !Selection.IsEmpty;

    /// <summary>Why <paramref name="kind"/> does not apply here, or null when it does.</summary>
    public string? WhyNot(RefactoringKind kind) => kind switch
    {
        RefactoringKind.Document => Member is null ? "there is no member at the cursor"
            : HasDocumentationComment(Member) ? $"{MemberName(Member)} already has a documentation comment"
            : null,
        RefactoringKind.AddValidation => Member is BaseMethodDeclarationSyntax { ParameterList.Parameters.Count: > 0 } method && HasBody(method) ? null
            : "the cursor is not in a method or constructor with parameters and a body",
        RefactoringKind.Simplify => Statements.Count > 0 || (Member is not null && HasBody(Member)) ? null
            : "select whole statements or put the cursor in a member with a body",
        RefactoringKind.ExtractMethod => Statements.Count > 0 && ExtractionHost is not null ? null
            : "select whole statements inside a method body",
        RefactoringKind.GenerateTests => Member is MethodDeclarationSyntax method && HasBody(method) && IsCallableFromTests(method) ? null
            : "the cursor is not in a public or internal method of a class, struct or record",
        RefactoringKind.Rewrite => HasSelection || Member is not null ? null : "select the code to rewrite",
        _ => "unknown refactoring",
    };

    /// <summary>The member whose text the model rewrites when it extracts a method: the one holding the statements.</summary>
    public MemberDeclarationSyntax? ExtractionHost =>
        Statements.Count == 0 ? null
            : Statements[0].Ancestors().OfType<MemberDeclarationSyntax>()
                .FirstOrDefault(m => m is BaseMethodDeclarationSyntax or BasePropertyDeclarationSyntax);

    public static string MemberName(MemberDeclarationSyntax member) => member switch
    {
        MethodDeclarationSyntax m => m.Identifier.Text,
        ConstructorDeclarationSyntax c => c.Identifier.Text,
        PropertyDeclarationSyntax p => p.Identifier.Text,
        IndexerDeclarationSyntax => "this[]",
        EventDeclarationSyntax e => e.Identifier.Text,
        BaseTypeDeclarationSyntax t => t.Identifier.Text,
        DelegateDeclarationSyntax d => d.Identifier.Text,
        BaseFieldDeclarationSyntax f => string.Join(", ", f.Declaration.Variables.Select(v => v.Identifier.Text)),
        OperatorDeclarationSyntax o => "operator " + o.OperatorToken.Text,
        _ => "the member",
    };

    private static bool IsRefactorableMember(MemberDeclarationSyntax member) =>
        member is BaseMethodDeclarationSyntax or BasePropertyDeclarationSyntax or BaseFieldDeclarationSyntax or BaseTypeDeclarationSyntax
            or DelegateDeclarationSyntax;

    private static bool HasDocumentationComment(MemberDeclarationSyntax member) =>
        member.GetLeadingTrivia()
            .Any(t => t.IsKind(SyntaxKind.SingleLineDocumentationCommentTrivia) || t.IsKind(SyntaxKind.MultiLineDocumentationCommentTrivia));

    private static bool HasBody(MemberDeclarationSyntax member) => member switch
    {
        BaseMethodDeclarationSyntax method => method.Body is not null || method.ExpressionBody is not null,
        PropertyDeclarationSyntax property => property.ExpressionBody is not null || HasAccessorBody(property.AccessorList),
        IndexerDeclarationSyntax indexer => indexer.ExpressionBody is not null || HasAccessorBody(indexer.AccessorList),
        _ => false,
    };

    private static bool HasAccessorBody(AccessorListSyntax? accessors) =>
        accessors?.Accessors.Any(a => a.Body is not null || a.ExpressionBody is not null) == true;

    /// <summary>Tests live in another class: the method must be visible there (explicitly public or internal).</summary>
    private static bool IsCallableFromTests(MethodDeclarationSyntax method) =>
        method.Parent is ClassDeclarationSyntax or StructDeclarationSyntax or RecordDeclarationSyntax
        && method.Modifiers.Any(m => m.IsKind(SyntaxKind.PublicKeyword) || m.IsKind(SyntaxKind.InternalKeyword))
        && !method.Modifiers.Any(m => m.IsKind(SyntaxKind.PrivateKeyword) || m.IsKind(SyntaxKind.AbstractKeyword));

    /// <summary>
    /// The statements a selection covers exactly: it starts where a statement starts and ends where a later sibling (in
    /// the same block or switch section) ends. Anything else (half a statement, an expression) is not extractable.
    /// </summary>
    private static IReadOnlyList<StatementSyntax> CoveredStatements(SyntaxNode root, TextSpan selection)
    {
        var first = root.FindToken(selection.Start).Parent?.AncestorsAndSelf().OfType<StatementSyntax>()
            .LastOrDefault(s => s.SpanStart == selection.Start && s.Parent is BlockSyntax or SwitchSectionSyntax);
        if (first is null)
            return [];
        var siblings = first.Parent switch
        {
            BlockSyntax block => block.Statements,
            SwitchSectionSyntax section => section.Statements,
            _ => default,
        };
        var covered = new List<StatementSyntax>();
        foreach (var statement in siblings.SkipWhile(s => s != first))
        {
            if (statement.Span.End > selection.End)
                return [];
            covered.Add(statement);
            if (statement.Span.End == selection.End)
                return covered;
        }
        return [];
    }
}
