using System.Text.Json;
using CodeAssist.Engine.Documents;
using CodeAssist.Engine.Refactoring;
using CodeAssist.Server.Protocol;

namespace CodeAssist.Server.Handlers.CodeActions;

/// <summary>
/// Lists the AI refactorings that apply at a selection. Listing reads the syntax tree only; the model runs when the
/// client resolves an action (codeAction/resolve), so a lightbulb costs nothing.
/// </summary>
internal sealed class CodeActionHandler(ServerState state)
    : IConcurrentRequestHandler<CodeActionParams, (CodeActionParams Parameters, DocumentSnapshot? Document), CodeAction[]>
{
    public (CodeActionParams Parameters, DocumentSnapshot? Document) Snapshot(CodeActionParams parameters)
    {
        if (parameters.TextDocument?.Uri is null || parameters.Range is null)
            throw RequestErrors.InvalidParams("textDocument/codeAction needs textDocument.uri and range");
        return (parameters, state.Engine.Documents.TryGet(parameters.TextDocument.Uri) is { IsCSharp: true } document ? document : null);
    }

    public async Task<CodeAction[]> HandleAsync((CodeActionParams Parameters, DocumentSnapshot? Document) request, CancellationToken cancellationToken)
    {
        var (parameters, document) = request;
        if (document is null)
            return [];
        var (start, end) = RefactoringRequests.Offsets(document, parameters.Range!);
        var offers = await state.Engine.Refactorings.OfferAsync(document, start, end, cancellationToken).ConfigureAwait(false);
        return [.. offers
            .Select(offer => ToCodeAction(offer, document, parameters.Range!))
            .Where(action => parameters.Context?.Only is not { Length: > 0 } only
                || only.Any(kind => action.Kind == kind || action.Kind!.StartsWith(kind + ".", StringComparison.Ordinal)))];
    }

    private static CodeAction ToCodeAction(RefactoringOffer offer, DocumentSnapshot document, Protocol.Range range)
    {
        var title = RefactoringRequests.TitleOf(offer.Kind);
        if (offer.Kind == RefactoringKind.Rewrite)
        {
            // The instruction is free text only the client can ask for; its command does that and sends codeassist.rewrite.
            return new CodeAction
            {
                Title = title,
                Kind = KindOf(offer.Kind),
                Command = new Command(title, CodeAssistCommands.RewriteWithInstruction, [document.Uri, range]),
            };
        }
        return new CodeAction
        {
            Title = title,
            Kind = KindOf(offer.Kind),
            Data = JsonSerializer.SerializeToElement(
                new RefactoringActionData(RefactoringKinds.Name(offer.Kind), document.Uri, range, document.Version), RefactoringRequests.JsonOptions),
        };
    }

    private static string KindOf(RefactoringKind kind) => kind switch
    {
        RefactoringKind.ExtractMethod => "refactor.extract",
        RefactoringKind.GenerateTests => "source.generateTests",
        _ => "refactor.rewrite",
    };
}
