using System.Text.Json;

namespace CodeAssist.Server.Handlers.Lifecycle;

internal sealed class ExitHandler(ServerState state) : ISerialNotificationHandler<JsonElement?>
{
    /// <summary>Exit code 0 after shutdown, 1 otherwise, as the specification says.</summary>
    public void Handle(JsonElement? parameters) => state.Exit.TrySetResult(state.ShutdownRequested ? 0 : 1);
}
