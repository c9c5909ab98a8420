using System.Globalization;
using System.Runtime.InteropServices;

namespace CodeAssist.Server.Bench;

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
    public static double OfProcessMilliseconds(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // Fields after the command name, which is in parentheses and may contain spaces.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            return ticks * 10.0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return double.NaN;
        }
    }
}
