using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace CodeAssist.Engine.Workspace;

/// <summary>A cached load: the projects as MSBuild gave them, and the fingerprint of the inputs they came from.</summary>
internal sealed record CachedLoad(CachedProjectSystem Projects, ProjectSystemFingerprint Fingerprint);

/// <summary>
/// The project-system cache (#19): after every MSBuild load of a solution or set of projects, what it gave
/// (<see cref="CachedProjectSystem"/>) and the fingerprint of every input it read (<see cref="ProjectSystemFingerprint"/>)
/// go to one JSON file in the user's cache folder, named by a hash of the solution or project paths; at the next start,
/// when the fingerprint still matches, the projects are built from it at once instead of after MSBuild's evaluation
/// (seconds). A file that is missing, unreadable, of another format or stale is ignored with a log line and rewritten
/// after the next MSBuild load: the cache never fails a load. Writes go to a temporary file that is then moved over the
/// old one, so two servers on the same solution never see half a file.
/// </summary>
public sealed class ProjectSystemCache
{
    /// <summary>Names the cache folder, for tests and the bench (an empty folder: a first-ever start).</summary>
    public const string FolderVariable = "CODEASSIST_CACHE_DIR";

    /// <summary>Bumped whenever what the file holds changes meaning; a file of another format is ignored.</summary>
    private const int Format = 1;

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    public ProjectSystemCache(string folder, Action<string>? log = null)
    {
        Folder = Path.GetFullPath(folder);
        _log = log ?? (_ => { });
    }

    private readonly Action<string> _log;

    /// <summary>The folder of the cache files (projects/ under the user's cache folder unless a test or the bench names another).</summary>
    public string Folder { get; }

    /// <summary>
    /// Where the cache lives: $CODEASSIST_CACHE_DIR when set, else codeassist/projects under the user's cache folder
    /// ($XDG_CACHE_HOME or ~/.cache on Linux and macOS, %LOCALAPPDATA% on Windows). Never in the repository.
    /// </summary>
    public static string DefaultFolder()
    {
        if (Environment.GetEnvironmentVariable(FolderVariable) is { Length: > 0 } configured)
            return Path.GetFullPath(configured);
        string root;
        if (OperatingSystem.IsWindows())
        {
            root = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData);
        }
        else if (Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg && Path.IsPathRooted(xdg))
        {
            root = xdg;
        }
        else
        {
            root = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        }
        return Path.Combine(root, "codeassist", "projects");
    }

    /// <summary>The cache file of a project system (its solution or project files, in any order).</summary>
    public string FileFor(IReadOnlyList<string> projectSystem)
    {
        var key = string.Join('\n', projectSystem.Select(Path.GetFullPath).Order(StringComparer.Ordinal));
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key)), 0, 10).ToLowerInvariant();
        var name = Path.GetFileNameWithoutExtension(projectSystem.Count > 0 ? projectSystem[0] : "none");
        return Path.Combine(Folder, $"{name}-{hash}.json");
    }

    /// <summary>
    /// The cached load of <paramref name="projectSystem"/> when its fingerprint matches the inputs on disk now and every
    /// file it names is still there; null otherwise, with a log line that says why (nothing when there is no cache yet).
    /// </summary>
    internal CachedLoad? TryRead(IReadOnlyList<string> projectSystem)
    {
        var path = FileFor(projectSystem);
        CacheFile? file;
        try
        {
            if (!File.Exists(path))
                return null;
            file = JsonSerializer.Deserialize<CacheFile>(File.ReadAllText(path), Json);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or NotSupportedException)
        {
            _log($"the project cache {path} is not readable ({e.Message}); MSBuild loads the projects");
            return null;
        }
        if (file is null || file.Format != Format || file.Projects is null || file.Fingerprint is null || file.ProjectSystem is null
            || !file.ProjectSystem.SequenceEqual(projectSystem, StringComparer.Ordinal))
        {
            _log($"the project cache {path} is of another format or another solution; MSBuild loads the projects");
            return null;
        }
        var projects = new CachedProjectSystem(file.Projects);
        if (ProjectSystemFingerprint.Take(projectSystem, file.Projects).DifferenceFrom(file.Fingerprint) is { } difference)
        {
            _log($"the project cache is stale ({difference}); MSBuild loads the projects");
            return null;
        }
        if (projects.NamedFiles().Distinct(StringComparer.Ordinal).FirstOrDefault(f => !File.Exists(f)) is { } missing)
        {
            _log($"the project cache is stale ({missing} is gone); MSBuild loads the projects");
            return null;
        }
        return new CachedLoad(projects, file.Fingerprint);
    }

    /// <summary>
    /// Writes what an MSBuild load that started at <paramref name="loadStartedUtc"/> gave. Not written when an input
    /// changed while MSBuild was reading it (the next load writes it), or when a project cannot be described; a failed
    /// write is a log line.
    /// </summary>
    internal void Write(IReadOnlyList<string> projectSystem, CachedProjectSystem projects, DateTime loadStartedUtc)
    {
        var path = FileFor(projectSystem);
        try
        {
            var fingerprint = ProjectSystemFingerprint.Take(projectSystem, projects.Projects);
            if (fingerprint.LatestWriteTicks > loadStartedUtc.Ticks)
            {
                _log("the project cache is not written: a project file changed while MSBuild was loading it");
                return;
            }
            Directory.CreateDirectory(Folder);
            var temporary = path + $".{Environment.ProcessId}.tmp";
            File.WriteAllText(temporary, JsonSerializer.Serialize(new CacheFile(Format, [.. projectSystem], [.. projects.Projects], fingerprint), Json));
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _log($"the project cache {path} could not be written ({e.Message})");
        }
    }

    /// <summary>The file's shape: what it is of, and its format, so that another version's file is told apart.</summary>
    private sealed record CacheFile(int Format, List<string>? ProjectSystem, List<CachedProject>? Projects, ProjectSystemFingerprint? Fingerprint);
}
