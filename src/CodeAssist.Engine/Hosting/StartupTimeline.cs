using System.Collections.Concurrent;

namespace CodeAssist.Engine.Hosting;

/// <summary>
/// When each step of the process's start-up first happened (Main entered, the first byte read, initialize handled, the
/// model loaded, the first context built, the first token, ...), as Unix times in milliseconds, so that a caller who
/// noted the wall clock when it started the process (the bench) can place every step on its own timeline. Only the
/// first occurrence of each step counts; marking costs one dictionary insert and nothing is computed until asked.
/// Process-wide because start-up is: there is one Main and one first byte per process.
/// </summary>
public static class StartupTimeline
{
    public const string MainEntered = "mainEntered";
    public const string ServeEntered = "serveEntered";
    public const string ServerBuilt = "serverBuilt";
    public const string FirstByteRead = "firstByteRead";
    public const string InitializeHandled = "initializeHandled";
    public const string EngineBuilt = "engineBuilt";
    public const string ModelLoaded = "modelLoaded";
    public const string ModelWarmed = "modelWarmed";
    public const string LooseFilesWarmed = "looseFilesWarmed";
    public const string SolutionLoaded = "solutionLoaded";
    public const string CompilationsWarmed = "compilationsWarmed";
    public const string ProjectsChecked = "projectsChecked";
    public const string FirstContext = "firstContext";
    public const string FirstToken = "firstToken";
    public const string FirstCompletion = "firstCompletion";

    private static readonly ConcurrentDictionary<string, double> Marks = new(StringComparer.Ordinal);

    /// <summary>Records <paramref name="step"/> now (or at <paramref name="at"/>), unless it was recorded before.</summary>
    public static void Mark(string step, DateTimeOffset? at = null)
    {
        if (!Marks.ContainsKey(step))
            Marks.TryAdd(step, UnixMilliseconds(at ?? DateTimeOffset.UtcNow));
    }

    /// <summary>Every step recorded so far, as Unix milliseconds (fractional).</summary>
    public static IReadOnlyDictionary<string, double> Snapshot() => new Dictionary<string, double>(Marks, StringComparer.Ordinal);

    /// <summary>Unix time in milliseconds with the clock's sub-millisecond part, the bench's unit too.</summary>
    public static double UnixMilliseconds(DateTimeOffset at) => (at.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / (double)TimeSpan.TicksPerMillisecond;
}
