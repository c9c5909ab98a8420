using CodeAssist.Server.Protocol;

namespace CodeAssist.Server.Handlers.DocumentSync;

internal sealed class DidOpenHandler(ServerState state) : ISerialNotificationHandler<DidOpenTextDocumentParams>
{
    public void Handle(DidOpenTextDocumentParams parameters)
    {
        var document = parameters.TextDocument;
        if (document?.Uri is null || document.Text is null)
            throw RequestErrors.InvalidParams("textDocument/didOpen needs textDocument.uri and textDocument.text");
        state.Engine.Documents.Open(document.Uri, document.LanguageId ?? "plaintext", document.Version, document.Text);
    }
}
