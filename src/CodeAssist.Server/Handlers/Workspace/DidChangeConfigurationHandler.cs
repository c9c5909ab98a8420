using CodeAssist.Server.Protocol;
using StreamJsonRpc;

namespace CodeAssist.Server.Handlers.Workspace;

internal sealed class DidChangeConfigurationHandler(ServerState state)
{
    [JsonRpcMethod("workspace/didChangeConfiguration", UseSingleObjectParameterDeserialization = true)]
    public void DidChangeConfiguration(DidChangeConfigurationParams? parameters)
    {
        state.EnsureInitialized();
        state.ApplySettings(SettingsReader.Apply(state.Settings, parameters?.Settings, state.Log.Warn));
        state.Log.Debug($"settings: {state.Settings}");
    }
}
