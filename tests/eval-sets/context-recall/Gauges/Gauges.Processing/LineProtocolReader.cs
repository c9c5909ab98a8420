using System.Globalization;
using Gauges.Core;

namespace Gauges.Processing;

/// <summary>Reads "metric,tags value unix-ms" lines, skipping (and counting) lines that do not parse.</summary>
public sealed class LineProtocolReader(TextReader input)
{
    public int Rejected { get; private set; }

    public async IAsyncEnumerable<Sample> ReadAllAsync()
    {
        while (await input.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            if (TryParse(line, out var sample))
                yield return sample;
            else
                Rejected++;
        }
    }

    public static bool TryParse(string line, out Sample sample)
    {
        sample = default;
        var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 3)
            return false;
        var comma = parts[0].IndexOf(',');
        var metric = comma < 0 ? parts[0] : parts[0][..comma];
        var tags = comma < 0 ? TagSet.Empty : TagSet.Parse(parts[0][(comma + 1)..]);
        if (!double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            || !long.TryParse(parts[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out var millis))
        {
            return false;
        }
        sample = new Sample(metric, DateTimeOffset.FromUnixTimeMilliseconds(millis), value, tags);
        return true;
    }
}
