using CodeAssist.Engine;
using CodeAssist.Engine.Completion;
using CodeAssist.Engine.Documents;
using CodeAssist.Server.Protocol;
using StreamJsonRpc;

namespace CodeAssist.Server.Handlers.CodeAssist;

/// <summary>codeAssist/context: the prompt the server would build at a position, with what each piece cost.</summary>
internal sealed class ContextHandler(ServerState state)
    : IConcurrentRequestHandler<ContextParams, (DocumentSnapshot Document, int Offset, AssistSettings Settings), ContextResult>
{
    public (DocumentSnapshot Document, int Offset, AssistSettings Settings) Snapshot(ContextParams parameters)
    {
        if (parameters.TextDocument?.Uri is null || parameters.Position is null)
            throw RequestErrors.InvalidParams("codeAssist/context needs textDocument.uri and position");
        var document = state.Engine.Documents.TryGet(parameters.TextDocument.Uri)
            ?? throw RequestErrors.InvalidParams($"{parameters.TextDocument.Uri} is not open");
        var offset = document.OffsetOf(parameters.Position.Line, parameters.Position.Character)
            ?? throw RequestErrors.InvalidParams($"position {parameters.Position.Line}:{parameters.Position.Character} is outside the document");
        return (document, offset, state.Engine.Settings);
    }

    public async Task<ContextResult> HandleAsync((DocumentSnapshot Document, int Offset, AssistSettings Settings) request, CancellationToken cancellationToken)
    {
        var engine = state.Engine;
        var model = await engine.Models.WhenLoadedAsync(cancellationToken).ConfigureAwait(false)
            ?? throw new LocalRpcException($"no model is loaded: {engine.Models.LoadError}") { ErrorCode = LspErrorCodes.RequestFailed };
        // The plan the completion itself takes, so the prompt shown is the prompt generated from (window clamp included).
        var plan = await CompletionPlan.BuildAsync(
            engine.ContextBuilder, model, request.Document, request.Offset, request.Settings, engine.WorkspaceRoot, cancellationToken).ConfigureAwait(false);
        return new ContextResult(plan.Prompt.Text, plan.Budget,
            [.. plan.Context.Pieces.Select(p => new ContextPieceInfo(p.Kind, p.Source, p.Tokens, p.Text))], plan.Prompt.HealedText);
    }
}
