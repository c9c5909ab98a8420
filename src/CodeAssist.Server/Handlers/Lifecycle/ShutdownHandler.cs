using System.Text.Json;
using StreamJsonRpc;

namespace CodeAssist.Server.Handlers.Lifecycle;

internal sealed class ShutdownHandler(ServerState state)
{
    [JsonRpcMethod("shutdown")]
    public object? Shutdown(JsonElement? ignored = null)
    {
        state.EnsureInitialized();
        state.ShutdownRequested = true;
        state.Log.Info("shutdown requested");
        return null;
    }
}
