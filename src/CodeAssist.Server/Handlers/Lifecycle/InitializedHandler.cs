using System.Text.Json;

namespace CodeAssist.Server.Handlers.Lifecycle;

internal sealed class InitializedHandler(ServerState state) : ISerialNotificationHandler<JsonElement?>
{
    public void Handle(JsonElement? parameters)
    {
        state.PublishStatus();
        // Completion works on loose files at once and gets the solution's context when loading ends.
        _ = Task.Run(() => state.LoadWorkspaceAsync(CancellationToken.None));
    }
}
