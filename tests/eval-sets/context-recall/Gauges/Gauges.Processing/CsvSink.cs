using System.Globalization;
using Gauges.Core;

namespace Gauges.Processing;

/// <summary>Writes samples as CSV rows, the tags in one quoted column.</summary>
public sealed class CsvSink(TextWriter output) : ISampleSink
{
    private bool _headerWritten;

    public string Name => "csv";

    public void Accept(in Sample sample)
    {
        if (!_headerWritten)
        {
            output.WriteLine("metric,at,value,tags");
            _headerWritten = true;
        }
        var at = sample.At.ToString("O", CultureInfo.InvariantCulture);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{sample.Metric},{at},{sample.Value},\"{sample.Tags}\""));
    }

    public async ValueTask FlushAsync(CancellationToken cancellationToken) => await output.FlushAsync(cancellationToken).ConfigureAwait(false);
}
