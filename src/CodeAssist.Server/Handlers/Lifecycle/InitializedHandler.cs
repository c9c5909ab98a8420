using StreamJsonRpc;

namespace CodeAssist.Server.Handlers.Lifecycle;

internal sealed class InitializedHandler(ServerState state)
{
    [JsonRpcMethod("initialized")]
    public void Initialized()
    {
        state.EnsureInitialized();
        state.PublishStatus();
    }
}
