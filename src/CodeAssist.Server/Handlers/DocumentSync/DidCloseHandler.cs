using CodeAssist.Server.Protocol;

namespace CodeAssist.Server.Handlers.DocumentSync;

internal sealed class DidCloseHandler(ServerState state) : ISerialNotificationHandler<DidCloseTextDocumentParams>
{
    public void Handle(DidCloseTextDocumentParams parameters)
    {
        var uri = parameters.TextDocument?.Uri ?? throw RequestErrors.InvalidParams("textDocument/didClose needs textDocument.uri");
        state.Engine.Documents.Close(uri);
    }
}
