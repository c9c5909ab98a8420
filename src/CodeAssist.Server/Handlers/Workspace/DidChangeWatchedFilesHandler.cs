using CodeAssist.Server.Protocol;
using StreamJsonRpc;

namespace CodeAssist.Server.Handlers.Workspace;

internal sealed class DidChangeWatchedFilesHandler(ServerState state)
{
    [JsonRpcMethod("workspace/didChangeWatchedFiles", UseSingleObjectParameterDeserialization = true)]
    public void DidChangeWatchedFiles(DidChangeWatchedFilesParams? parameters)
    {
        state.EnsureInitialized();
        foreach (var change in RequestErrors.Required(parameters).Changes ?? [])
            if (change?.Uri is { IsFile: true } uri)
                state.Workspace.OnFileChangedOnDisk(uri.LocalPath);
    }
}
