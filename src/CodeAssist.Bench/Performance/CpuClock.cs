using System.Globalization;
using System.Runtime.InteropServices;

namespace CodeAssist.Bench.Performance;

/// <summary>
/// CPU time consumed by a process. On a shared machine wall time says how long a user waited; CPU time says how much
/// work was done, whatever else competed for the cores, so the bench reports both.
/// </summary>
internal static class CpuClock
{
    private const int ProcessCpuTimeClock = 2; // CLOCK_PROCESS_CPUTIME_ID

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out Timespec value);

    /// <summary>This process's CPU time in milliseconds (nanosecond resolution), or NaN off Linux.</summary>
    public static double ThisProcessMilliseconds()
    {
        if (!OperatingSystem.IsLinux())
            return double.NaN;
        try
        {
            return ClockGetTime(ProcessCpuTimeClock, out var now) == 0 ? now.Seconds * 1000.0 + now.Nanoseconds / 1e6 : double.NaN;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return double.NaN;
        }
    }

    /// <summary>Another process's user + system CPU time in milliseconds from /proc/PID/stat (10 ms resolution), or NaN.</summary>
    public static double OfProcessMilliseconds(int pid) => ReadStat($"/proc/{pid}/stat")?.Milliseconds ?? double.NaN;

    /// <summary>
    /// CPU milliseconds of each thread of a process, by thread id, with the thread's name: a profile of where the CPU
    /// went. .NET names the threads it starts (".NET TP Worker", ".NET BGC", ".NET Tiered Com"); native threads, such
    /// as ONNX Runtime's intra-op pool, inherit the name of the thread that started them. Empty where there is no /proc.
    /// </summary>
    public static Dictionary<int, (string Kind, double Milliseconds)> ByThread(int pid)
    {
        var threads = new Dictionary<int, (string, double)>();
        try
        {
            foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
            {
                if (int.TryParse(Path.GetFileName(task), CultureInfo.InvariantCulture, out var tid) && ReadStat(Path.Combine(task, "stat")) is { } stat)
                    threads[tid] = (stat.Name, stat.Milliseconds);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The process ended, or there is no /proc: no profile.
        }
        return threads;
    }

    /// <summary>CPU milliseconds per thread name between two <see cref="ByThread"/> snapshots, added into <paramref name="into"/>.</summary>
    public static void AddDelta(
        Dictionary<int, (string Kind, double Milliseconds)> before,
        Dictionary<int, (string Kind, double Milliseconds)> after,
        Dictionary<string, double> into)
    {
        foreach (var (tid, (kind, ms)) in after)
        {
            var delta = ms - (before.TryGetValue(tid, out var earlier) ? earlier.Milliseconds : 0);
            if (delta > 0)
                into[kind] = into.GetValueOrDefault(kind) + delta;
        }
    }

    private static (string Name, double Milliseconds)? ReadStat(string path)
    {
        try
        {
            var stat = File.ReadAllText(path);
            // The name is in parentheses and may contain spaces; the numbered fields follow it.
            var open = stat.IndexOf('(');
            var close = stat.LastIndexOf(')');
            var fields = stat[(close + 2)..].Split(' ');
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            return (stat[(open + 1)..close], ticks * 10.0);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }
}
