namespace Gauges.Core;

/// <summary>Where samples go once they are read: an aggregator, a file, the network.</summary>
public interface ISampleSink
{
    string Name { get; }

    void Accept(in Sample sample);

    ValueTask FlushAsync(CancellationToken cancellationToken);
}
