using System.Text.Json;

namespace CodeAssist.Server.Handlers.Lifecycle;

internal sealed class InitializedHandler(ServerState state) : ISerialNotificationHandler<JsonElement?>
{
    public void Handle(JsonElement? parameters)
    {
        state.PublishStatus();
        // Completion works on loose files at once and gets the solution's context when loading ends.
        state.RequestWorkspaceLoad();
        _ = state.Files.StartAsync().ContinueWith(t => state.Log.Error($"file watching did not start: {t.Exception!.InnerException!.Message}"),
            CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
    }
}
