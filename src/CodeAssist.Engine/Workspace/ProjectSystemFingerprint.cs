using System.Security.Cryptography;
using System.Text;

namespace CodeAssist.Engine.Workspace;

/// <summary>A file an MSBuild load read: its size and last write time (-1 when it is not there).</summary>
internal sealed record FileStamp(string Path, long Length, long WriteTicks)
{
    public static FileStamp Of(string path)
    {
        var info = new FileInfo(path);
        return info.Exists ? new(path, info.Length, info.LastWriteTimeUtc.Ticks) : new(path, -1, 0);
    }
}

/// <summary>The .cs files an SDK project's default glob would take from a folder: how many, and a hash of their paths.</summary>
internal sealed record SourceSet(string Folder, int Count, string Hash);

/// <summary>
/// Every input an MSBuild load of the projects depended on, cheap to take again (stats and directory listings, no
/// file is read): the solution and project files; in each project's folder and every folder above it, the files MSBuild
/// imports or reads by convention (Directory.Build.props/targets, Directory.Packages.props, global.json, nuget.config);
/// each project's restore output (project.assets.json, the nuget.g.props/targets); and the set of .cs files under each
/// project's folder, outside bin, obj and hidden folders (what SDK projects compile by default). Equal fingerprints mean
/// none of these changed: a file appearing, going, or being written again changes it.
/// </summary>
internal sealed record ProjectSystemFingerprint(IReadOnlyList<FileStamp> Files, IReadOnlyList<SourceSet> Sources)
{
    private static readonly string[] ConventionFiles =
        ["directory.build.props", "directory.build.targets", "directory.packages.props", "global.json", "nuget.config"];

    /// <summary>The fingerprint of the inputs of <paramref name="projectSystem"/> (its solution or project files) and the projects it loaded.</summary>
    public static ProjectSystemFingerprint Take(IReadOnlyList<string> projectSystem, IEnumerable<CachedProject> projects)
    {
        var files = new SortedSet<string>(projectSystem, StringComparer.Ordinal);
        var folders = new SortedSet<string>(StringComparer.Ordinal);
        var listed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var project in projects.Where(p => p.FilePath is not null))
        {
            files.Add(project.FilePath!);
            var folder = Path.GetDirectoryName(project.FilePath!)!;
            folders.Add(folder);
            for (var directory = folder; directory is not null && listed.Add(directory); directory = Path.GetDirectoryName(directory))
                files.UnionWith(Convention(directory));
            files.UnionWith(RestoreOutput(folder, project.CompilationOutputPath));
        }
        foreach (var path in projectSystem)
        {
            for (var directory = Path.GetDirectoryName(path); directory is not null && listed.Add(directory); directory = Path.GetDirectoryName(directory))
                files.UnionWith(Convention(directory));
        }
        return new([.. files.Select(FileStamp.Of)], [.. folders.Select(SourcesUnder)]);
    }

    /// <summary>The first input that differs from <paramref name="other"/>'s, in words; null when they are equal.</summary>
    public string? DifferenceFrom(ProjectSystemFingerprint other)
    {
        foreach (var (mine, theirs) in Files.Zip(other.Files))
        {
            if (mine != theirs)
                return mine.Path != theirs.Path ? $"{theirs.Path} is new or gone" : $"{mine.Path} changed";
        }
        if (Files.Count != other.Files.Count)
            return "the set of project files changed";
        foreach (var (mine, theirs) in Sources.Zip(other.Sources))
        {
            if (mine != theirs)
                return $"the .cs files under {theirs.Folder} changed ({theirs.Count} now, {mine.Count} then)";
        }
        return Sources.Count != other.Sources.Count ? "the set of project folders changed" : null;
    }

    /// <summary>The latest write time of any input (to tell whether one changed while MSBuild was reading them).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public long LatestWriteTicks => Files.Count == 0 ? 0 : Files.Max(f => f.WriteTicks);

    private static IEnumerable<string> Convention(string directory)
    {
        try
        {
            return [.. Directory.EnumerateFiles(directory).Where(f => ConventionFiles.Contains(Path.GetFileName(f).ToLowerInvariant()))];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    /// <summary>
    /// The restore output MSBuild read for a project: in the base intermediate folder (obj/, or where the artifacts
    /// layout puts it: a folder above the compilation's own output that holds project.assets.json), the assets file and
    /// the nuget.g.props/targets. Without a restore there is none; obj/project.assets.json is then stamped as absent, so a
    /// restore changes the fingerprint.
    /// </summary>
    private static IEnumerable<string> RestoreOutput(string projectFolder, string? compilationOutputPath)
    {
        var candidates = new List<string> { Path.Combine(projectFolder, "obj") };
        for (var (directory, i) = (Path.GetDirectoryName(compilationOutputPath ?? ""), 0); !string.IsNullOrEmpty(directory) && i < 4;
             directory = Path.GetDirectoryName(directory), i++)
        {
            candidates.Add(directory);
        }
        var folder = candidates.FirstOrDefault(c => File.Exists(Path.Combine(c, "project.assets.json")));
        if (folder is null)
            return [Path.Combine(projectFolder, "obj", "project.assets.json")];
        try
        {
            return [Path.Combine(folder, "project.assets.json"), .. Directory.EnumerateFiles(folder, "*.nuget.g.*")];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [Path.Combine(folder, "project.assets.json")];
        }
    }

    private static SourceSet SourcesUnder(string folder)
    {
        var paths = new List<string>();
        var pending = new Stack<string>([folder]);
        while (pending.Count > 0)
        {
            var directory = pending.Pop();
            try
            {
                paths.AddRange(Directory.EnumerateFiles(directory, "*.cs").Select(p => p[(folder.Length + 1)..]));
                foreach (var child in Directory.EnumerateDirectories(directory))
                {
                    var name = Path.GetFileName(child);
                    if (!name.StartsWith('.') && !(directory == folder && name is "bin" or "obj"))
                        pending.Push(child);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // An unreadable folder is left out the same way each time.
            }
        }
        paths.Sort(StringComparer.Ordinal);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', paths)));
        return new SourceSet(folder, paths.Count, Convert.ToHexString(hash, 0, 12));
    }
}
