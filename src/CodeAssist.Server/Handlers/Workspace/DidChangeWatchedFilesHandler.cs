using CodeAssist.Server.Protocol;

namespace CodeAssist.Server.Handlers.Workspace;

/// <summary>The files the client watches for us (see <see cref="Server.Workspace.FileWatching"/>) changed on disk.</summary>
internal sealed class DidChangeWatchedFilesHandler(ServerState state) : ISerialNotificationHandler<DidChangeWatchedFilesParams>
{
    public void Handle(DidChangeWatchedFilesParams parameters) =>
        state.Files.OnChanged([.. (parameters.Changes ?? []).Where(c => c?.Uri is { IsFile: true }).Select(c => c.Uri.LocalPath)]);
}
