namespace CodeAssist.Engine.Completion;

/// <summary>
/// Local counters of what happened to suggestions. They stay in memory and are shown by `codeassist stats` and the
/// codeAssist/stats request; nothing is ever sent anywhere.
/// </summary>
public sealed class CompletionStats
{
    private long _requests, _generations, _cacheHits, _cancelled, _shown, _accepted, _partiallyAccepted, _compilerCut, _compilerDropped;

    public void Requested() => Interlocked.Increment(ref _requests);
    public void Generated() => Interlocked.Increment(ref _generations);
    public void CacheHit() => Interlocked.Increment(ref _cacheHits);
    /// <summary>A request cancelled by the client, superseded by a newer one, or answered empty because the document moved on.</summary>
    public void Cancelled() => Interlocked.Increment(ref _cancelled);
    public void Shown() => Interlocked.Increment(ref _shown);
    public void Accepted() => Interlocked.Increment(ref _accepted);
    public void PartiallyAccepted() => Interlocked.Increment(ref _partiallyAccepted);

    /// <summary>A suggestion that added a compiler error was cut to a prefix that adds none (see SuggestionCompilerCheck).</summary>
    public void CompilerCut() => Interlocked.Increment(ref _compilerCut);

    /// <summary>A suggestion that added a compiler error was dropped: no prefix worth showing was free of it.</summary>
    public void CompilerDropped() => Interlocked.Increment(ref _compilerDropped);

    public CompletionStatsSnapshot Snapshot() => new(
        Interlocked.Read(ref _requests), Interlocked.Read(ref _generations), Interlocked.Read(ref _cacheHits), Interlocked.Read(ref _cancelled),
        Interlocked.Read(ref _shown), Interlocked.Read(ref _accepted), Interlocked.Read(ref _partiallyAccepted),
        Interlocked.Read(ref _compilerCut), Interlocked.Read(ref _compilerDropped));
}

public sealed record CompletionStatsSnapshot(long Requests, long Generations, long CacheHits, long Cancelled, long Shown, long Accepted, long PartiallyAccepted,
    long CompilerCut, long CompilerDropped);
