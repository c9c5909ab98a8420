namespace Gauges.Core;

/// <summary>One reading of a metric at a moment, with the tags it was reported under.</summary>
public readonly record struct Sample(string Metric, DateTimeOffset At, double Value, TagSet Tags)
{
    public Sample WithValue(double value) => this with { Value = value };

    public bool IsFinite => double.IsFinite(Value);
}
