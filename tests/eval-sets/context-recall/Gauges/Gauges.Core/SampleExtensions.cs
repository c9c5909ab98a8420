namespace Gauges.Core;

/// <summary>Helpers over sequences of samples that every consumer needs.</summary>
public static class SampleExtensions
{
    public static IEnumerable<Sample> Finite(this IEnumerable<Sample> samples) => samples.Where(s => s.IsFinite);

    public static IEnumerable<Sample> Tagged(this IEnumerable<Sample> samples, string key, string value) =>
        samples.Where(s => s.Tags.Has(key, value));

    public static IEnumerable<Sample> Between(this IEnumerable<Sample> samples, DateTimeOffset from, DateTimeOffset to) =>
        samples.Where(s => s.At >= from && s.At < to);

    public static Histogram ToHistogram(this IEnumerable<Sample> samples, Histogram? into = null)
    {
        var histogram = into ?? Histogram.Exponential(1, 2, 20);
        foreach (var sample in samples.Finite())
            histogram.Record(sample.Value);
        return histogram;
    }

    public static Sample Scaled(this Sample sample, double factor) => sample.WithValue(sample.Value * factor);
}
