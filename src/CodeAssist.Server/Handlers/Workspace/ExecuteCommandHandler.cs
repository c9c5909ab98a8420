using System.Text.Json;
using CodeAssist.Engine.Refactoring;
using CodeAssist.Server.Handlers.CodeActions;
using CodeAssist.Server.Protocol;

namespace CodeAssist.Server.Handlers.Workspace;

/// <summary>
/// Our commands: the suggestion counters (answered at once) and the refactorings (pinned to the document in dispatch
/// order, then run, then sent with workspace/applyEdit).
/// </summary>
internal sealed class ExecuteCommandHandler(ServerState state) : IConcurrentRequestHandler<ExecuteCommandParams, ExecuteCommandHandler.Pending?, object?>
{
    /// <summary>A refactoring to run and the label of the edit the client is asked to apply.</summary>
    internal sealed record Pending(PreparedRefactoring Refactoring, string Label);

    public Pending? Snapshot(ExecuteCommandParams parameters)
    {
        var stats = state.Engine.Completion.Stats;
        var arguments = parameters.Arguments ?? [];
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
            case CodeAssistCommands.DidAcceptNextEdit:
                state.Engine.NextEdits.Stats.Accepted();
                return null;
            case CodeAssistCommands.Rewrite:
                return Rewrite(arguments);
            case CodeAssistCommands.RunRefactoring:
                return RunRefactoring(arguments);
            case CodeAssistCommands.RewriteWithInstruction:
                throw RequestErrors.InvalidParams($"{CodeAssistCommands.RewriteWithInstruction} is the client's command: it asks for the instruction and sends {CodeAssistCommands.Rewrite} [uri, range, instruction]");
            default:
                throw RequestErrors.InvalidParams($"unknown command \"{parameters.Command}\" (known: {string.Join(", ", CodeAssistCommands.All)})");
        }
    }

    public async Task<object?> HandleAsync(Pending? pending, CancellationToken cancellationToken)
    {
        if (pending is null)
            return null;
        var edit = await RefactoringRequests.RunAsync(state, pending.Refactoring, cancellationToken).ConfigureAwait(false);
        await RefactoringRequests.ApplyAsync(state, pending.Label, edit, cancellationToken).ConfigureAwait(false);
        return null;
    }

    /// <summary>codeassist.rewrite [uri, range, instruction]: the rewrite is validated, then sent with workspace/applyEdit.</summary>
    private Pending Rewrite(JsonElement[] arguments)
    {
        if (arguments.Length != 3 || arguments[0].ValueKind != JsonValueKind.String || arguments[2].ValueKind != JsonValueKind.String
            || arguments[1].Deserialize<Protocol.Range>(RefactoringRequests.JsonOptions) is not { Start: not null, End: not null } range
            || !Uri.TryCreate(arguments[0].GetString(), UriKind.Absolute, out var uri))
        {
            throw RequestErrors.InvalidParams($"{CodeAssistCommands.Rewrite} takes [uri, range, instruction]");
        }
        var document = state.Engine.Documents.TryGet(uri) ?? throw RequestErrors.InvalidParams($"{uri} is not open; send textDocument/didOpen first");
        var data = new RefactoringActionData(RefactoringKinds.Name(RefactoringKind.Rewrite), uri, range, document.Version);
        return new Pending(RefactoringRequests.Prepare(state, data, arguments[2].GetString()), "CodeAssist: rewrite");
    }

    /// <summary>codeassist.runRefactoring [data]: a listed code action's data, run and applied with workspace/applyEdit.</summary>
    private Pending RunRefactoring(JsonElement[] arguments)
    {
        if (arguments.Length != 1 || arguments[0].ValueKind != JsonValueKind.Object)
            throw RequestErrors.InvalidParams($"{CodeAssistCommands.RunRefactoring} takes [data], the data of a CodeAssist code action");
        var data = RefactoringRequests.DataOf(arguments[0]);
        var prepared = RefactoringRequests.Prepare(state, data, instruction: null);
        return new Pending(prepared, RefactoringRequests.TitleOf(prepared.Request.Kind));
    }
}
