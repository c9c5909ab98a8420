using Gauges.Core;

namespace Gauges.Processing;

/// <summary>Keeps a histogram per metric and tag set for each time window, and hands closed windows on.</summary>
public sealed class WindowedAggregator(TimeSpan window, Action<WindowSummary> closed) : ISampleSink
{
    private readonly Dictionary<SeriesKey, Histogram> _open = [];
    private DateTimeOffset _windowStart = DateTimeOffset.MinValue;

    public string Name => $"aggregator ({window.TotalSeconds:F0} s)";

    public int OpenSeries => _open.Count;

    public void Accept(in Sample sample)
    {
        if (!sample.IsFinite)
            return;
        var start = WindowStartOf(sample.At);
        if (start > _windowStart)
        {
            Close();
            _windowStart = start;
        }
        var key = new SeriesKey(sample.Metric, sample.Tags);
        if (!_open.TryGetValue(key, out var histogram))
        {
            histogram = Histogram.Exponential(1, 2, 24);
            _open[key] = histogram;
        }
        histogram.Record(sample.Value);
    }

    public ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        Close();
        return ValueTask.CompletedTask;
    }

    private DateTimeOffset WindowStartOf(DateTimeOffset at) => new(at.Ticks - at.Ticks % window.Ticks, at.Offset);

    private void Close()
    {
        foreach (var (key, histogram) in _open.OrderBy(p => p.Key.Metric, StringComparer.Ordinal))
            closed(new WindowSummary(key, _windowStart, window, histogram.Total, histogram.Mean, histogram.Quantile(0.95), histogram.Max));
        _open.Clear();
    }
}

public sealed record SeriesKey(string Metric, TagSet Tags);

public sealed record WindowSummary(SeriesKey Series, DateTimeOffset Start, TimeSpan Length, long Count, double Mean, double P95, double Max)
{
    public double Rate => Count / Length.TotalSeconds;
}
