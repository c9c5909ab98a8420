using System.Text.Json;

namespace CodeAssist.Server.Handlers.Lifecycle;

internal sealed class InitializedHandler(ServerState state) : ISerialNotificationHandler<JsonElement?>
{
    public void Handle(JsonElement? parameters)
    {
        state.PublishStatus();
        state.StartBackgroundWork();
    }
}
