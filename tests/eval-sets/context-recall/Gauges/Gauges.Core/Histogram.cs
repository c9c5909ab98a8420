namespace Gauges.Core;

/// <summary>Counts of values in fixed buckets, with the exact sum, minimum and maximum.</summary>
public sealed class Histogram(IReadOnlyList<double> bounds)
{
    private readonly long[] _counts = new long[bounds.Count + 1];

    public static Histogram Exponential(double first, double factor, int buckets) =>
        new(Enumerable.Range(0, buckets).Select(i => first * Math.Pow(factor, i)).ToArray());

    public IReadOnlyList<double> Bounds { get; } = bounds;

    public long Total { get; private set; }

    public double Sum { get; private set; }

    public double Min { get; private set; } = double.PositiveInfinity;

    public double Max { get; private set; } = double.NegativeInfinity;

    public double Mean => Total == 0 ? double.NaN : Sum / Total;

    public void Record(double value)
    {
        var bucket = 0;
        while (bucket < Bounds.Count && value > Bounds[bucket])
            bucket++;
        _counts[bucket]++;
        Total++;
        Sum += value;
        Min = Math.Min(Min, value);
        Max = Math.Max(Max, value);
    }

    public double Quantile(double q)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(q, 1.0);
        if (Total == 0)
            return double.NaN;
        var rank = (long)Math.Ceiling(q * Total);
        long seen = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += _counts[i];
            if (seen >= rank)
                return i < Bounds.Count ? Bounds[i] : Max;
        }
        return Max;
    }

    public void Merge(Histogram other)
    {
        if (!other.Bounds.SequenceEqual(Bounds))
            throw new ArgumentException("histograms with different buckets cannot be merged", nameof(other));
        for (var i = 0; i < _counts.Length; i++)
            _counts[i] += other._counts[i];
        Total += other.Total;
        Sum += other.Sum;
        Min = Math.Min(Min, other.Min);
        Max = Math.Max(Max, other.Max);
    }
}
