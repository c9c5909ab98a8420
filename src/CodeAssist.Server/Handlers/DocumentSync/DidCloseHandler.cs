using CodeAssist.Server.Protocol;
using StreamJsonRpc;

namespace CodeAssist.Server.Handlers.DocumentSync;

internal sealed class DidCloseHandler(ServerState state)
{
    [JsonRpcMethod("textDocument/didClose", UseSingleObjectParameterDeserialization = true)]
    public void DidClose(DidCloseTextDocumentParams? parameters)
    {
        state.EnsureInitialized();
        var uri = RequestErrors.Required(parameters).TextDocument?.Uri ?? throw RequestErrors.InvalidParams("textDocument/didClose needs textDocument.uri");
        state.Documents.Close(uri);
    }
}
