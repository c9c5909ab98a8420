using System.Text.Json;
using StreamJsonRpc;

namespace CodeAssist.Server.Handlers.Lifecycle;

internal sealed class ExitHandler(ServerState state)
{
    /// <summary>Exit code 0 after shutdown, 1 otherwise, as the specification says.</summary>
    [JsonRpcMethod("exit")]
    public void Exit(JsonElement? ignored = null) => state.Exit.TrySetResult(state.ShutdownRequested ? 0 : 1);
}
