using System.Text.Json;
using CodeAssist.Engine.Refactoring;
using CodeAssist.Server.Handlers.CodeActions;
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
            case CodeAssistCommands.Rewrite:
                await RewriteAsync(parameters.Arguments ?? [], cancellationToken).ConfigureAwait(false);
                return null;
            case CodeAssistCommands.RunRefactoring:
                await RunRefactoringAsync(parameters.Arguments ?? [], cancellationToken).ConfigureAwait(false);
                return null;
            case CodeAssistCommands.RewriteWithInstruction:
                throw RequestErrors.InvalidParams($"{CodeAssistCommands.RewriteWithInstruction} is the client's command: it asks for the instruction and sends {CodeAssistCommands.Rewrite} [uri, range, instruction]");
            default:
                throw RequestErrors.InvalidParams($"unknown command \"{parameters.Command}\" (known: {string.Join(", ", CodeAssistCommands.All)})");
        }
    }

    /// <summary>codeassist.rewrite [uri, range, instruction]: the rewrite is validated, then sent with workspace/applyEdit.</summary>
    private async Task RewriteAsync(JsonElement[] arguments, CancellationToken cancellationToken)
    {
        if (arguments.Length != 3 || arguments[0].ValueKind != JsonValueKind.String || arguments[2].ValueKind != JsonValueKind.String
            || arguments[1].Deserialize<Protocol.Range>(RefactoringRequests.JsonOptions) is not { Start: not null, End: not null } range
            || !Uri.TryCreate(arguments[0].GetString(), UriKind.Absolute, out var uri))
            throw RequestErrors.InvalidParams($"{CodeAssistCommands.Rewrite} takes [uri, range, instruction]");
        var document = state.Documents.TryGet(uri) ?? throw RequestErrors.InvalidParams($"{uri} is not open; send textDocument/didOpen first");
        var data = new RefactoringActionData(RefactoringKinds.Name(RefactoringKind.Rewrite), uri, range, document.Version);
        var edit = await RefactoringRequests.RunAsync(state, data, arguments[2].GetString(), cancellationToken).ConfigureAwait(false);
        await RefactoringRequests.ApplyAsync(state, "CodeAssist: rewrite", edit, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>codeassist.runRefactoring [data]: a listed code action's data, run and applied with workspace/applyEdit.</summary>
    private async Task RunRefactoringAsync(JsonElement[] arguments, CancellationToken cancellationToken)
    {
        if (arguments.Length != 1 || arguments[0].ValueKind != JsonValueKind.Object)
            throw RequestErrors.InvalidParams($"{CodeAssistCommands.RunRefactoring} takes [data], the data of a CodeAssist code action");
        var data = RefactoringRequests.DataOf(arguments[0]);
        var edit = await RefactoringRequests.RunAsync(state, data, instruction: null, cancellationToken).ConfigureAwait(false);
        await RefactoringRequests.ApplyAsync(state, RefactoringRequests.TitleOf(RefactoringKinds.Parse(data.Refactoring)), edit, cancellationToken).ConfigureAwait(false);
    }
}
