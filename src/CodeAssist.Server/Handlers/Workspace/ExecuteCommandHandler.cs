using CodeAssist.Server.Protocol;
using StreamJsonRpc;

namespace CodeAssist.Server.Handlers.Workspace;

internal sealed class ExecuteCommandHandler(ServerState state)
{
    [JsonRpcMethod("workspace/executeCommand", UseSingleObjectParameterDeserialization = true)]
    public async Task<object?> ExecuteCommandAsync(ExecuteCommandParams? parameters, CancellationToken cancellationToken)
    {
        state.EnsureInitialized();
        parameters = RequestErrors.Required(parameters);
        var stats = state.Completion.Stats;
        switch (parameters.Command)
        {
            case CodeAssistCommands.DidShowCompletion:
                stats.Shown();
                return null;
            case CodeAssistCommands.DidAcceptCompletion:
                stats.Accepted();
                return null;
            case CodeAssistCommands.DidPartiallyAcceptCompletion:
                stats.PartiallyAccepted();
                return null;
            default:
                await Task.CompletedTask.ConfigureAwait(false);
                throw RequestErrors.InvalidParams($"unknown command \"{parameters.Command}\" (known: {string.Join(", ", CodeAssistCommands.All)})");
        }
    }
}
