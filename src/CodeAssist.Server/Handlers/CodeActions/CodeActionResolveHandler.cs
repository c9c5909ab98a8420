using System.Text.Json;
using CodeAssist.Server.Protocol;
using StreamJsonRpc;

namespace CodeAssist.Server.Handlers.CodeActions;

/// <summary>
/// Runs the refactoring a listed code action stands for and answers it with its edit; an edit the compiler refuses is
/// answered with RequestFailed and shown to the user, and nothing is applied.
/// </summary>
internal sealed class CodeActionResolveHandler(ServerState state)
{
    [JsonRpcMethod("codeAction/resolve", UseSingleObjectParameterDeserialization = true)]
    public async Task<CodeAction> ResolveAsync(CodeAction? action, CancellationToken cancellationToken)
    {
        state.EnsureInitialized();
        action = RequestErrors.Required(action);
        if (action.Edit is not null || action.Data is not { ValueKind: JsonValueKind.Object } data)
            return action;
        var edit = await RefactoringRequests.RunAsync(state, RefactoringRequests.DataOf(data), instruction: null, cancellationToken).ConfigureAwait(false);
        return action with { Edit = edit };
    }
}
