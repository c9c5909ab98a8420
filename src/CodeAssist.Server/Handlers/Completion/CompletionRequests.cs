using CodeAssist.Engine;
using CodeAssist.Engine.Completion;
using StreamJsonRpc;

namespace CodeAssist.Server.Handlers.Completion;

/// <summary>What the inline and the fallback completion handlers share: the query pinned in dispatch order, and how the engine's outcomes are answered.</summary>
internal static class CompletionRequests
{
    /// <summary>Pins the query to the document version the client had when it asked (taken in dispatch order).</summary>
    public static InlineCompletionQuery Pin(ServerState state, InlineCompletionQuery query) =>
        query with { Version = query.Version ?? state.Engine.Documents.TryGet(query.Uri)?.Version };

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
