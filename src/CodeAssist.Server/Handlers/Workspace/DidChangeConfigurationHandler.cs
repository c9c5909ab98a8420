using CodeAssist.Server.Protocol;

namespace CodeAssist.Server.Handlers.Workspace;

internal sealed class DidChangeConfigurationHandler(ServerState state) : ISerialNotificationHandler<DidChangeConfigurationParams>
{
    public void Handle(DidChangeConfigurationParams parameters)
    {
        var engine = state.Engine;
        engine.ApplySettings(SettingsReader.Apply(engine.Settings, parameters.Settings, state.Log.Warn));
        state.Log.Debug($"settings: {engine.Settings}");
    }
}
