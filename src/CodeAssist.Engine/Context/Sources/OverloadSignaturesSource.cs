using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace CodeAssist.Engine.Context.Sources;

/// <summary>Inside an argument list: the signatures of every overload of what is being called.</summary>
public sealed class OverloadSignaturesSource : IContextSource
{
    public ContextPlacement Placement => ContextPlacement.AboveCursorLine;

    public async Task<IReadOnlyList<ContextCandidate>> GetAsync(ContextRequest request, CancellationToken cancellationToken)
    {
        if (request.RoslynDocument is not { } document || request.Offset == 0)
            return [];
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var arguments = root?.FindToken(request.Offset - 1).Parent?.AncestorsAndSelf().OfType<BaseArgumentListSyntax>()
            .FirstOrDefault(a => InsideParentheses(a, request.Offset));
        if (arguments?.Parent is not { } call)
            return [];
        var model = await request.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (model is null)
            return [];

        IEnumerable<ISymbol> overloads = call switch
        {
            InvocationExpressionSyntax invocation => model.GetMemberGroup(invocation.Expression, cancellationToken) is { Length: > 0 } group
                ? group : model.GetSymbolInfo(invocation, cancellationToken).CandidateSymbols,
            BaseObjectCreationExpressionSyntax creation => model.GetTypeInfo(creation, cancellationToken).Type is INamedTypeSymbol type
                ? type.InstanceConstructors.Where(c => !c.IsImplicitlyDeclared || c.Parameters.Length > 0)
                : [],
            ElementAccessExpressionSyntax element =>
                model.GetTypeInfo(element.Expression, cancellationToken).Type?.GetMembers().OfType<IPropertySymbol>().Where(p => p.IsIndexer) ?? [],
            _ => [],
        };
        var signatures = overloads.Select(SignatureFormat.Of).Distinct().Take(20).ToList();
        if (signatures.Count == 0)
            return [];
        var name = call switch
        {
            InvocationExpressionSyntax invocation => invocation.Expression.ToString(),
            BaseObjectCreationExpressionSyntax creation => "new " + (creation is ObjectCreationExpressionSyntax o ? o.Type.ToString() : "()"),
            _ => call.ToString(),
        };
        return [new ContextCandidate("overloads", $"overloads of {name}", $"// {name}(…) overloads:\n" + string.Join("\n", signatures), Priority: 0.9)];
    }

    private static bool InsideParentheses(BaseArgumentListSyntax arguments, int offset)
    {
        var (open, close) = arguments switch
        {
            ArgumentListSyntax list => (list.OpenParenToken, list.CloseParenToken),
            BracketedArgumentListSyntax brackets => (brackets.OpenBracketToken, brackets.CloseBracketToken),
            _ => (arguments.GetFirstToken(), arguments.GetLastToken(includeZeroWidth: true)),
        };
        return offset > open.SpanStart && (close.IsMissing || offset <= close.SpanStart);
    }
}
