using CodeAssist.Engine.Completion;
using StreamJsonRpc;

namespace CodeAssist.Server.Handlers.Completion;

/// <summary>What the inline and the fallback completion handlers share: running a query off the dispatch order.</summary>
internal static class CompletionRequests
{
    /// <summary>
    /// Runs the engine on the thread pool so that notifications behind this request are not held up. A request the
    /// engine superseded (a newer one for the same document) is answered empty; one the client cancelled is cancelled.
    /// </summary>
    public static async Task<InlineCompletionResult> RunAsync(ServerState state, InlineCompletionQuery query, CancellationToken cancellationToken)
    {
        // The document snapshot is taken now, in dispatch order; the work runs concurrently.
        var document = state.Documents.TryGet(query.Uri);
        query = query with { Version = query.Version ?? document?.Version };
        try
        {
            return await RequestErrors.MapAsync(() => Task.Run(() => state.Completion.CompleteAsync(query, cancellationToken), CancellationToken.None)).ConfigureAwait(false);
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
        catch (Exception e) when (e is not (OperationCanceledException or LocalRpcException))
        {
            // A model that fails to generate (damaged files, a genai_config.json that does not match its graph, a
            // device error) is not the client's fault, and an error answer per keystroke helps nobody: the answer is
            // empty and the log says why.
            state.Log.Error($"generation failed for {query.Uri}: {e.GetType().Name}: {e.Message}");
            return InlineCompletionResult.Empty;
        }
    }
}
