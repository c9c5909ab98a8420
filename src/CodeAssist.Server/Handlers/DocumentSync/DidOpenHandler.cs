using CodeAssist.Server.Protocol;
using StreamJsonRpc;

namespace CodeAssist.Server.Handlers.DocumentSync;

internal sealed class DidOpenHandler(ServerState state)
{
    [JsonRpcMethod("textDocument/didOpen", UseSingleObjectParameterDeserialization = true)]
    public void DidOpen(DidOpenTextDocumentParams? parameters)
    {
        state.EnsureInitialized();
        var document = RequestErrors.Required(parameters).TextDocument;
        if (document?.Uri is null || document.Text is null)
            throw RequestErrors.InvalidParams("textDocument/didOpen needs textDocument.uri and textDocument.text");
        state.Documents.Open(document.Uri, document.LanguageId ?? "plaintext", document.Version, document.Text);
    }
}
