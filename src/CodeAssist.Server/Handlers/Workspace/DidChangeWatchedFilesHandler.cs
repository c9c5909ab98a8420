using CodeAssist.Server.Protocol;

namespace CodeAssist.Server.Handlers.Workspace;

internal sealed class DidChangeWatchedFilesHandler(ServerState state) : ISerialNotificationHandler<DidChangeWatchedFilesParams>
{
    public void Handle(DidChangeWatchedFilesParams parameters)
    {
        foreach (var change in parameters.Changes ?? [])
            if (change?.Uri is { IsFile: true } uri)
                state.Engine.Workspace.OnFileChangedOnDisk(uri.LocalPath);
    }
}
