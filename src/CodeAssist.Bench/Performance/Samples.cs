using System.Diagnostics;

namespace CodeAssist.Bench.Performance;

/// <summary>Percentiles of one measured quantity, in milliseconds unless its name says otherwise.</summary>
public sealed record Distribution(int Count, double P50, double P95, double Min, double Max)
{
    public static Distribution Of(IReadOnlyCollection<double> values)
    {
        if (values.Count == 0)
            return new Distribution(0, double.NaN, double.NaN, double.NaN, double.NaN);
        var sorted = values.Order().ToArray();
        return new Distribution(sorted.Length, Percentile(sorted, 0.50), Percentile(sorted, 0.95), sorted[0], sorted[^1]);
    }

    /// <summary>Linear interpolation between closest ranks, as numpy's default does.</summary>
    private static double Percentile(double[] sorted, double q)
    {
        var position = q * (sorted.Length - 1);
        var low = (int)Math.Floor(position);
        var high = Math.Min(sorted.Length - 1, low + 1);
        return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
    }
}

/// <summary>Timestamps in one clock for everything the bench measures.</summary>
internal static class Clock
{
    public static long Now() => Stopwatch.GetTimestamp();

    public static double Milliseconds(long from, long to) => (to - from) * 1000.0 / Stopwatch.Frequency;

    public static double MillisecondsSince(long from) => Milliseconds(from, Now());
}
