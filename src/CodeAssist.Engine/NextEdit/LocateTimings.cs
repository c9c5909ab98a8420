using System.Collections.Concurrent;
using System.Diagnostics;

namespace CodeAssist.Engine.NextEdit;

/// <summary>
/// Where one location search spent its wall time, phase by phase, for the benchmark's breakdown. Phases that run more
/// than once in a search (the errors of each document compared) add up.
/// </summary>
public sealed class LocateTimings
{
    private readonly ConcurrentDictionary<string, double> _milliseconds = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, double> Milliseconds => _milliseconds;

    /// <summary>Adds the time since <paramref name="startTimestamp"/> (a <see cref="Stopwatch.GetTimestamp"/>) to <paramref name="phase"/>.</summary>
    public void Add(string phase, long startTimestamp) =>
        _milliseconds.AddOrUpdate(phase, Stopwatch.GetElapsedTime(startTimestamp).TotalMilliseconds,
            (_, sum) => sum + Stopwatch.GetElapsedTime(startTimestamp).TotalMilliseconds);
}
