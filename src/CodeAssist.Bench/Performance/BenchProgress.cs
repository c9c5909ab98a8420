using System.Diagnostics;
using Spectre.Console;

namespace CodeAssist.Bench.Performance;

/// <summary>One phase of the run, advanced as its iterations finish.</summary>
internal interface IBenchStep : IDisposable
{
    void Advance(double amount = 1);
}

/// <summary>
/// Shows the run's phases: a Spectre.Console progress bar on a terminal, one plain line per phase on stderr
/// otherwise (logs and CI), so stdout keeps only the table and the JSON.
/// </summary>
internal sealed class BenchProgress
{
    private readonly ProgressContext? _context;
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    private BenchProgress(ProgressContext? context) => _context = context;

    public static async Task<T> RunAsync<T>(Func<BenchProgress, Task<T>> body)
    {
        if (Console.IsOutputRedirected || Console.IsErrorRedirected)
            return await body(new BenchProgress(null)).ConfigureAwait(false);
        return await AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(context => body(new BenchProgress(context)))
            .ConfigureAwait(false);
    }

    public IBenchStep Step(string name, double total = 1)
    {
        if (_context is not null)
            return new BarStep(_context.AddTask(Markup.Escape(name), maxValue: Math.Max(total, 1)));
        Console.Error.WriteLine($"bench [{_clock.Elapsed.TotalSeconds,5:F0} s] {name}");
        return new LineStep();
    }

    /// <summary>A note under the bar (or a plain line): what is going on when a phase waits.</summary>
    public void Note(string message)
    {
        if (_context is null)
            Console.Error.WriteLine($"bench [{_clock.Elapsed.TotalSeconds,5:F0} s]   {message}");
    }

    private sealed class BarStep(ProgressTask task) : IBenchStep
    {
        public void Advance(double amount = 1) => task.Increment(amount);

        public void Dispose()
        {
            task.Value = task.MaxValue;
            task.StopTask();
        }
    }

    private sealed class LineStep : IBenchStep
    {
        public void Advance(double amount = 1)
        {
        }

        public void Dispose()
        {
        }
    }
}
