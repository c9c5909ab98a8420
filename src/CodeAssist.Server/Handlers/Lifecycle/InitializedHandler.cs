using System.Text.Json;
using StreamJsonRpc;

namespace CodeAssist.Server.Handlers.Lifecycle;

internal sealed class InitializedHandler(ServerState state)
{
    [JsonRpcMethod("initialized")]
    public void Initialized(JsonElement? ignored = null)
    {
        state.EnsureInitialized();
        state.PublishStatus();
        // Completion works on loose files at once and gets the solution's context when loading ends.
        _ = Task.Run(() => state.LoadWorkspaceAsync(CancellationToken.None));
    }
}
