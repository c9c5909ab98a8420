using System.Text.Json;
using CodeAssist.Server.Protocol;

namespace CodeAssist.Server.Handlers.CodeActions;

/// <summary>
/// Runs the refactoring a listed code action stands for and answers it with its edit; an edit the compiler refuses is
/// answered with RequestFailed and shown to the user, and nothing is applied.
/// </summary>
internal sealed class CodeActionResolveHandler(ServerState state)
    : IConcurrentRequestHandler<CodeAction, (CodeAction Action, PreparedRefactoring? Refactoring), CodeAction>
{
    public (CodeAction Action, PreparedRefactoring? Refactoring) Snapshot(CodeAction action) =>
        action.Edit is not null || action.Data is not { ValueKind: JsonValueKind.Object } data
            ? (action, null)
            : (action, RefactoringRequests.Prepare(state, RefactoringRequests.DataOf(data), instruction: null));

    public async Task<CodeAction> HandleAsync((CodeAction Action, PreparedRefactoring? Refactoring) request, CancellationToken cancellationToken)
    {
        if (request.Refactoring is not { } refactoring)
            return request.Action;
        var edit = await RefactoringRequests.RunAsync(state, refactoring, cancellationToken).ConfigureAwait(false);
        return request.Action with { Edit = edit };
    }
}
