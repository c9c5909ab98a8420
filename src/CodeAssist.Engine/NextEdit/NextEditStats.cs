namespace CodeAssist.Engine.NextEdit;

/// <summary>Local counters of next-edit suggestions (codeAssist/stats); nothing is sent anywhere.</summary>
public sealed class NextEditStats
{
    private long _requests, _shown, _accepted, _dropped;

    public void Requested() => Interlocked.Increment(ref _requests);
    public void Shown() => Interlocked.Increment(ref _shown);
    public void Accepted() => Interlocked.Increment(ref _accepted);

    /// <summary>A proposed edit the compiler check refused (it kept a targeted error or added one), or a reply without the format's shape.</summary>
    public void Dropped() => Interlocked.Increment(ref _dropped);

    public NextEditStatsSnapshot Snapshot() => new(
        Interlocked.Read(ref _requests), Interlocked.Read(ref _shown), Interlocked.Read(ref _accepted), Interlocked.Read(ref _dropped));
}

public sealed record NextEditStatsSnapshot(long Requests, long Shown, long Accepted, long Dropped);
