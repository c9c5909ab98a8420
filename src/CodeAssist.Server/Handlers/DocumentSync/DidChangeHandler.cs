using CodeAssist.Engine.Documents;
using CodeAssist.Server.Protocol;

namespace CodeAssist.Server.Handlers.DocumentSync;

internal sealed class DidChangeHandler(ServerState state) : ISerialNotificationHandler<DidChangeTextDocumentParams>
{
    public void Handle(DidChangeTextDocumentParams parameters)
    {
        if (parameters.TextDocument?.Uri is null || parameters.ContentChanges is null)
            throw RequestErrors.InvalidParams("textDocument/didChange needs textDocument.uri and contentChanges");
        var edits = parameters.ContentChanges.Select(c => new DocumentEdit(
            c.Range is null ? null : (c.Range.Start.Line, c.Range.Start.Character),
            c.Range is null ? null : (c.Range.End.Line, c.Range.End.Character),
            c.Text ?? ""));
        state.Engine.Documents.Change(parameters.TextDocument.Uri, parameters.TextDocument.Version, edits);
    }
}
