namespace CodeAssist.Server.Handlers;

// The three kinds of handler. A handler says which kind it is by the interface it implements, and
// LanguageServerHost's dispatch table registers it with that kind's threading and preamble (params present, server
// initialized), so no handler repeats either. This is Roslyn's MutatesSolutionState decided by type.

/// <summary>
/// A notification that changes state (didOpen, didChange, settings): runs alone, in arrival order, before any message
/// that arrived after it starts.
/// </summary>
internal interface ISerialNotificationHandler<in TParams>
{
    void Handle(TParams parameters);
}

/// <summary>A request answered at once, in arrival order, without waiting on anything (lifecycle, counters).</summary>
internal interface ISerialRequestHandler<in TParams, out TResult>
{
    TResult Handle(TParams parameters);
}

/// <summary>
/// A request that reads and may take long (completion, context, refactoring): <see cref="Snapshot"/> runs in arrival
/// order, so it sees every edit sent before the request and none sent after; <see cref="HandleAsync"/> then runs on
/// the thread pool, concurrently with other requests, so notifications behind it are not held up.
/// </summary>
internal interface IConcurrentRequestHandler<in TParams, TSnapshot, TResult>
{
    /// <summary>Takes what the work needs (document snapshots, settings) and checks the params; no waiting here.</summary>
    TSnapshot Snapshot(TParams parameters);

    Task<TResult> HandleAsync(TSnapshot snapshot, CancellationToken cancellationToken);
}
