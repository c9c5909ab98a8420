namespace CodeAssist.Engine.Workspace;

/// <summary>
/// The files whose changes on disk the workspace follows: C# sources, and the project system (project and solution
/// files, and the Directory.*.props/targets every project imports). A file watcher, the editor's or the server's own,
/// is asked for exactly these.
/// </summary>
public static class WatchedFiles
{
    /// <summary>The glob patterns given to a watcher (LSP's glob syntax, relative to each workspace folder).</summary>
    public static readonly IReadOnlyList<string> Globs =
        ["**/*.cs", "**/*.csproj", "**/*.sln", "**/*.slnx", "**/Directory.*.props", "**/Directory.*.targets"];

    public static bool IsSource(string path) => path.EndsWith(".cs", StringComparison.OrdinalIgnoreCase);

    /// <summary>A change to one of these can change which projects, files and references there are: the projects reload.</summary>
    public static bool IsProjectSystem(string path)
    {
        var name = Path.GetFileName(path);
        return name.EndsWith(".csproj", StringComparison.OrdinalIgnoreCase)
            || name.EndsWith(".sln", StringComparison.OrdinalIgnoreCase)
            || name.EndsWith(".slnx", StringComparison.OrdinalIgnoreCase)
            || (name.StartsWith("Directory.", StringComparison.OrdinalIgnoreCase)
                && (name.EndsWith(".props", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".targets", StringComparison.OrdinalIgnoreCase)));
    }

    /// <summary>
    /// Under a bin or obj folder of <paramref name="relativePath"/> (relative to a workspace or project folder, so that
    /// a workspace that itself lives under a folder named bin is not all build output): what a build rewrites in bulk
    /// and no project compiles from by default; following it would reload the projects on every build.
    /// </summary>
    public static bool IsBuildOutput(string relativePath) =>
        relativePath.Split(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar).SkipLast(1).Any(segment => segment is "bin" or "obj");

    /// <summary>Whether a change to <paramref name="path"/> matters, given the workspace folders it may lie under.</summary>
    public static bool IsWatched(string path, IReadOnlyList<string> workspaceFolders)
    {
        if (!IsSource(path) && !IsProjectSystem(path))
            return false;
        var root = workspaceFolders
            .Where(f => path.StartsWith(f.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            .MaxBy(f => f.Length);
        return root is null || !IsBuildOutput(Path.GetRelativePath(root, path));
    }
}

/// <summary>What a batch of changes on disk did: how many documents took the disk's text, and whether the project system changed.</summary>
public sealed record DiskChangeOutcome(int DocumentsUpdated, bool ProjectSystemChanged);
