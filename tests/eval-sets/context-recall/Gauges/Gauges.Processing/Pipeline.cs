using Gauges.Core;

namespace Gauges.Processing;

/// <summary>Reader to sinks: each sample goes to every sink, and the aggregator's windows go to the alert rules.</summary>
public sealed class Pipeline
{
    private readonly List<ISampleSink> _sinks = [];

    public Pipeline(IReadOnlyList<AlertRule> rules, TimeSpan window)
    {
        Alerts = new AlertEvaluator(rules, TimeSpan.FromMinutes(15));
        Aggregator = new WindowedAggregator(window, Alerts.OnWindowClosed);
        _sinks.Add(Aggregator);
    }

    public AlertEvaluator Alerts { get; }

    public WindowedAggregator Aggregator { get; }

    public long Samples { get; private set; }

    public Pipeline With(ISampleSink sink)
    {
        _sinks.Add(sink);
        return this;
    }

    public async Task<int> RunAsync(LineProtocolReader reader, CancellationToken cancellationToken)
    {
        await foreach (var sample in reader.ReadAllAsync().WithCancellation(cancellationToken))
        {
            foreach (var sink in _sinks)
                sink.Accept(sample);
            Samples++;
        }
        foreach (var sink in _sinks)
            await sink.FlushAsync(cancellationToken).ConfigureAwait(false);
        return reader.Rejected;
    }
}
