namespace CodeAssist.Engine.Refactoring;

/// <summary>
/// The folders edits may touch. A path counts as inside only when its real location (symbolic links followed, `..`
/// resolved) lies under one of the folders' real locations, so a generated file can never land elsewhere.
/// </summary>
public sealed class WorkspaceBoundary
{
    private static readonly StringComparison PathComparison = OperatingSystem.IsWindows() || OperatingSystem.IsMacOS()
        ? StringComparison.OrdinalIgnoreCase
        : StringComparison.Ordinal;

    private readonly IReadOnlyList<string> _roots;

    public WorkspaceBoundary(IEnumerable<string> folders) => _roots = [.. folders.Where(f => f.Length > 0).Select(RealPath)];

    public IReadOnlyList<string> Roots => _roots;

    public bool Contains(string path)
    {
        var real = RealPath(path);
        return _roots.Any(root =>
            string.Equals(real, root, PathComparison)
            || real.StartsWith(root.EndsWith(Path.DirectorySeparatorChar) ? root : root + Path.DirectorySeparatorChar, PathComparison));
    }

    public static bool IsInside(string folder, string path) => new WorkspaceBoundary([folder]).Contains(path);

    /// <summary>Why <paramref name="path"/> may not be edited, or null when it may.</summary>
    public string? Refusal(string path) =>
        _roots.Count == 0 ? $"{path} is not in a workspace folder (the editor opened no folder), so CodeAssist does not edit it"
        : Contains(path) ? null
        : $"{path} is outside the workspace folders ({string.Join(", ", _roots)}), so CodeAssist does not edit it";

    /// <summary>The full path with every existing symbolic link along it resolved; parts that do not exist yet are kept.</summary>
    internal static string RealPath(string path)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        var root = Path.GetPathRoot(full) ?? "";
        var current = root;
        foreach (var part in full[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            current = Path.Combine(current, part);
            FileSystemInfo info = Directory.Exists(current) ? new DirectoryInfo(current) : new FileInfo(current);
            if (info.Exists && info.LinkTarget is not null && info.ResolveLinkTarget(returnFinalTarget: true) is { } target)
                current = Path.TrimEndingDirectorySeparator(Path.GetFullPath(target.FullName));
        }
        return current.Length == 0 ? full : current;
    }
}
