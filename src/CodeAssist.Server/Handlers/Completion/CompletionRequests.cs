using CodeAssist.Engine;
using CodeAssist.Engine.Completion;
using CodeAssist.Engine.Documents;
using CodeAssist.Server.Protocol;
using StreamJsonRpc;

namespace CodeAssist.Server.Handlers.Completion;

/// <summary>
/// What the inline and the fallback completion handlers share: the query pinned in dispatch order, and how the engine's
/// outcomes are answered.
/// </summary>
internal static class CompletionRequests
{
    /// <summary>
    /// The engine's query for an editor position, pinned to the document version the client had when it asked (taken
    /// in dispatch order): the position becomes an offset here, at the protocol's edge.
    /// </summary>
    public static InlineCompletionQuery Pin(
        ServerState state, Uri uri, Position position, CompletionTrigger trigger, Func<DocumentSnapshot, SelectedCompletion?>? selected = null)
    {
        var document = state.Engine.Documents.TryGet(uri) ?? throw RequestErrors.InvalidParams($"{uri} is not open; send textDocument/didOpen first");
        var offset = document.OffsetOf(position.Line, position.Character)
            ?? throw RequestErrors.InvalidParams($"position {position.Line}:{position.Character} is outside {uri} ({document.Text.Lines.Count} lines)");
        return new InlineCompletionQuery(uri, offset, trigger) { Version = document.Version, Selected = selected?.Invoke(document) };
    }

    /// <summary>
    /// Runs the engine. A request the engine superseded (a newer one for the same document) is answered empty; one the
    /// client cancelled is cancelled.
    /// </summary>
    public static async Task<InlineCompletionResult> RunAsync(ServerState state, InlineCompletionQuery query, CancellationToken cancellationToken)
    {
        try
        {
            return await state.Engine.Completion.CompleteAsync(query, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return InlineCompletionResult.Empty;
        }
        catch (ObjectDisposedException)
        {
            // The model was unloaded (a settings change) while this request waited for it or generated.
            state.Log.Debug($"the model was unloaded during a request for {query.Uri}; answered empty");
            return InlineCompletionResult.Empty;
        }
        catch (Exception e) when (e is not (OperationCanceledException or LocalRpcException or BadRequestException))
        {
            // A model that fails to generate (damaged files, a genai_config.json that does not match its graph, a
            // device error) is not the client's fault, and an error answer per keystroke helps nobody: the answer is
            // empty and the log says why.
            state.Log.Error($"generation failed for {query.Uri}: {e.GetType().Name}: {e.Message}");
            return InlineCompletionResult.Empty;
        }
    }
}
