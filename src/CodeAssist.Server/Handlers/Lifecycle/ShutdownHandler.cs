using System.Text.Json;

namespace CodeAssist.Server.Handlers.Lifecycle;

internal sealed class ShutdownHandler(ServerState state) : ISerialRequestHandler<JsonElement?, object?>
{
    public object? Handle(JsonElement? parameters)
    {
        state.MarkShutdownRequested();
        state.Log.Info("shutdown requested");
        return null;
    }
}
