using StreamJsonRpc;

namespace CodeAssist.Server.Handlers.Lifecycle;

internal sealed class ShutdownHandler(ServerState state)
{
    [JsonRpcMethod("shutdown")]
    public object? Shutdown()
    {
        state.EnsureInitialized();
        state.ShutdownRequested = true;
        state.Log.Info("shutdown requested");
        return null;
    }
}
