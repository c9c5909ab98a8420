using Gauges.Core;

namespace Gauges.Processing;

/// <summary>A condition on a window's summary that raises an alert.</summary>
public abstract record AlertRule(string Metric, Severity Severity)
{
    public abstract bool Fires(WindowSummary summary);

    public virtual string Describe(WindowSummary summary) => $"{Metric} {summary.Series.Tags}: {this}";

    public bool AppliesTo(WindowSummary summary) => summary.Series.Metric == Metric;
}

public sealed record AboveRule(string Metric, double Threshold, Severity Severity) : AlertRule(Metric, Severity)
{
    public override bool Fires(WindowSummary summary) => summary.P95 > Threshold;

    public override string Describe(WindowSummary summary) => $"{Metric} p95 {summary.P95:F1} over {Threshold:F1}";
}

public sealed record SilenceRule(string Metric, long MinimumCount, Severity Severity) : AlertRule(Metric, Severity)
{
    public override bool Fires(WindowSummary summary) => summary.Count < MinimumCount;
}

public enum Severity
{
    Info,
    Warning,
    Page,
}

public sealed record Alert(AlertRule Rule, WindowSummary Summary, string Text)
{
    public Severity Severity => Rule.Severity;
}
