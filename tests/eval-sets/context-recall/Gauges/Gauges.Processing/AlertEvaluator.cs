using Gauges.Core;

namespace Gauges.Processing;

/// <summary>Runs every rule on each closed window; repeats of a firing alert are held back for a quiet period.</summary>
public sealed class AlertEvaluator(IReadOnlyList<AlertRule> rules, TimeSpan quietPeriod)
{
    private readonly Dictionary<(AlertRule Rule, TagSet Tags), DateTimeOffset> _lastFired = [];
    private readonly List<Alert> _raised = [];

    public IReadOnlyList<Alert> Raised => _raised;

    public void OnWindowClosed(WindowSummary summary)
    {
        foreach (var rule in rules.Where(r => r.AppliesTo(summary)))
        {
            if (!rule.Fires(summary))
                continue;
            var key = (rule, summary.Series.Tags);
            if (_lastFired.TryGetValue(key, out var last) && summary.Start - last < quietPeriod)
                continue;
            _lastFired[key] = summary.Start;
            _raised.Add(new Alert(rule, summary, rule.Describe(summary)));
        }
    }

    public IEnumerable<Alert> AtLeast(Severity severity) => _raised.Where(a => a.Severity >= severity).OrderByDescending(a => a.Summary.Start);
}
