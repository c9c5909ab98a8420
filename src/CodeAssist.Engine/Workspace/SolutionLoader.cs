using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.MSBuild;

namespace CodeAssist.Engine.Workspace;

/// <summary>Progress of a solution load, in words a status bar can show.</summary>
public sealed record SolutionLoadProgress(string Message, int? Percentage);

/// <summary>What loading found: the projects, and the problems that did not stop it.</summary>
public sealed record SolutionLoadResult(Solution? Solution, IReadOnlyList<string> LoadedFrom, IReadOnlyList<string> Warnings)
{
    /// <summary>
    /// Set when the projects came from the project-system cache: MSBuild's own load of them, going on in the background,
    /// whose result says whether it confirmed or replaced them (<see cref="Check"/>). Null for an MSBuild load.
    /// </summary>
    public Task<SolutionLoadResult>? CheckedByMSBuild { get; init; }

    public bool FromCache => CheckedByMSBuild is not null;

    /// <summary>For the background MSBuild load of cached projects: what it found.</summary>
    public CacheCheck Check { get; init; }
}

/// <summary>What MSBuild's background load said of projects that came from the cache.</summary>
public enum CacheCheck
{
    /// <summary>Not a check (an MSBuild load of its own).</summary>
    None,

    /// <summary>MSBuild gave the same projects: the cached ones stay, with the compilations built from them.</summary>
    Confirmed,

    /// <summary>MSBuild gave other projects: they replaced the cached ones, and the cache was rewritten.</summary>
    Replaced,

    /// <summary>MSBuild's load failed: the cached projects stay.</summary>
    Failed,
}

/// <summary>
/// Finds the solution or projects under the workspace folders and loads them with MSBuildWorkspace. MSBuild evaluates
/// projects in Roslyn's out-of-process build host, which locates the installed .NET SDK itself. A solution that fails
/// to load is a warning: completion keeps working on loose files.
/// </summary>
public sealed class SolutionLoader : IDisposable
{
    private const int MaxSearchDepth = 4;
    private MSBuildWorkspace? _workspace;

    /// <summary>The solution files (or, without one, project files) that describe the code under the given folders.</summary>
    public static IReadOnlyList<string> FindProjectSystem(IEnumerable<string> folders)
    {
        var found = new List<string>();
        foreach (var folder in folders.Where(Directory.Exists))
        {
            var solutions = Search(folder, ["*.sln", "*.slnx"]);
            if (solutions.Count > 0)
            {
                // The shallowest solution describes the workspace; nested ones are usually samples or test assets.
                var depth = solutions.Min(Depth);
                found.AddRange(solutions.Where(s => Depth(s) == depth).Take(1));
                continue;
            }
            found.AddRange(Search(folder, ["*.csproj"]));
        }
        return found;
    }

    /// <summary>For a single file: the nearest solution or project file in its folder or above, as `codeassist context` does.</summary>
    public static string? FindNearest(string filePath)
    {
        for (var directory = Path.GetDirectoryName(Path.GetFullPath(filePath)); directory is not null; directory = Path.GetDirectoryName(directory))
        {
            var candidates = Directory.EnumerateFiles(directory, "*.sln").Concat(Directory.EnumerateFiles(directory, "*.slnx"))
                .Concat(Directory.EnumerateFiles(directory, "*.csproj")).Order(StringComparer.Ordinal).ToList();
            if (candidates.Count > 0)
                return candidates[0];
        }
        return null;
    }

    public async Task<SolutionLoadResult> LoadAsync(
        IReadOnlyList<string> projectSystem, IProgress<SolutionLoadProgress>? progress, CancellationToken cancellationToken)
    {
        var warnings = new List<string>();
        if (projectSystem.Count == 0)
            return new SolutionLoadResult(null, [], []);
        _workspace?.Dispose();
        _workspace = MSBuildWorkspace.Create();
        _workspace.RegisterWorkspaceFailedHandler(e =>
        {
            lock (warnings)
                warnings.Add(e.Diagnostic.Message);
        });
        var loaded = new List<string>();
        var reporter = new Progress<ProjectLoadProgress>(p =>
            progress?.Report(new SolutionLoadProgress($"{p.Operation.ToString().ToLowerInvariant()} {Path.GetFileName(p.FilePath)}", null)));
        for (var i = 0; i < projectSystem.Count; i++)
        {
            var path = projectSystem[i];
            progress?.Report(new SolutionLoadProgress($"loading {Path.GetFileName(path)}", 100 * i / projectSystem.Count));
            try
            {
                if (path.EndsWith(".csproj", StringComparison.OrdinalIgnoreCase))
                {
                    if (_workspace.CurrentSolution.Projects.Any(p => string.Equals(p.FilePath, path, StringComparison.Ordinal)))
                        continue;
                    await _workspace.OpenProjectAsync(path, reporter, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await _workspace.OpenSolutionAsync(path, reporter, cancellationToken).ConfigureAwait(false);
                }
                loaded.Add(path);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                warnings.Add($"{path} did not load: {e.Message}");
            }
        }
        progress?.Report(new SolutionLoadProgress($"loaded {_workspace.CurrentSolution.ProjectIds.Count} project(s)", 100));
        return new SolutionLoadResult(loaded.Count > 0 ? _workspace.CurrentSolution : null, loaded, warnings);
    }

    private static List<string> Search(string folder, string[] patterns)
    {
        var results = new List<string>();
        var pending = new Queue<(string Directory, int Depth)>([(folder, 0)]);
        while (pending.Count > 0)
        {
            var (directory, depth) = pending.Dequeue();
            try
            {
                foreach (var pattern in patterns)
                    results.AddRange(Directory.EnumerateFiles(directory, pattern));
                if (depth >= MaxSearchDepth)
                    continue;
                foreach (var child in Directory.EnumerateDirectories(directory))
                {
                    var name = Path.GetFileName(child);
                    if (name.StartsWith('.') || name is "bin" or "obj" or "node_modules" or "packages" or "artifacts")
                        continue;
                    pending.Enqueue((child, depth + 1));
                }
            }
            catch (Exception e) when (e is UnauthorizedAccessException or IOException)
            {
                // Unreadable folders are skipped; the rest of the workspace still loads.
            }
        }
        return [.. results.Order(StringComparer.Ordinal)];
    }

    private static int Depth(string path) => path.Count(c => c == Path.DirectorySeparatorChar);

    public void Dispose() => _workspace?.Dispose();
}
