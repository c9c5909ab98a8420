using System.Diagnostics;
using System.Text.RegularExpressions;

namespace CodeAssist.Server.Tests.Reliability;

/// <summary>One open socket of a process, classified by the kernel's tables of its network namespace.</summary>
public sealed record SocketUse(int Pid, string Command, string Fd, string Family, string Detail);

/// <summary>
/// What a process tree holds open, read from /proc: the fd links (socket:[inode], pipe:[inode]) matched against
/// /proc/PID/net/{tcp,tcp6,udp,udp6,raw,raw6,udplite,udplite6} (Internet sockets), /proc/PID/net/unix (Unix domain
/// sockets, with their paths) and /proc/PID/net/netlink.
/// </summary>
public static partial class ProcessSockets
{
    private static readonly string[] InternetTables = ["tcp", "tcp6", "udp", "udp6", "raw", "raw6", "udplite", "udplite6"];

    /// <summary>The process and all its descendants that are alive now.</summary>
    public static IReadOnlyList<int> Tree(int root)
    {
        var children = new Dictionary<int, List<int>>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid))
                continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                var parent = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
                if (!children.TryGetValue(parent, out var list))
                    children[parent] = list = [];
                list.Add(pid);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
            {
            }
        }
        var tree = new List<int> { root };
        for (var i = 0; i < tree.Count; i++)
            tree.AddRange(children.GetValueOrDefault(tree[i]) ?? []);
        return tree;
    }

    public static string Command(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "(gone)";
        }
    }

    /// <summary>The sockets of one process; a process that ends meanwhile has none.</summary>
    public static IReadOnlyList<SocketUse> Of(int pid)
    {
        var result = new List<SocketUse>();
        try
        {
            var internet = new Dictionary<string, string>();
            foreach (var table in InternetTables)
            {
                foreach (var row in Rows($"/proc/{pid}/net/{table}"))
                {
                    if (row.Length > 9)
                        internet[row[9]] = $"{table} {row[1]} -> {row[2]}";
                }
            }
            var unix = new Dictionary<string, string>();
            foreach (var row in Rows($"/proc/{pid}/net/unix"))
            {
                if (row.Length > 6)
                    unix[row[6]] = row.Length > 7 ? row[7] : "(unnamed)";
            }
            var netlink = Rows($"/proc/{pid}/net/netlink").Where(r => r.Length > 9).Select(r => r[9]).ToHashSet();
            var command = Command(pid);
            foreach (var fd in Directory.EnumerateFiles($"/proc/{pid}/fd"))
            {
                string target;
                try
                {
                    target = new FileInfo(fd).LinkTarget ?? "";
                }
                catch (IOException)
                {
                    continue;
                }
                if (SocketInode().Match(target) is not { Success: true } match)
                    continue;
                var inode = match.Groups[1].Value;
                var (family, detail) = internet.TryGetValue(inode, out var address) ? ("inet", address)
                    : unix.TryGetValue(inode, out var path) ? ("unix", path)
                    : netlink.Contains(inode) ? ("netlink", "")
                    : ("unknown", target);
                result.Add(new SocketUse(pid, command, Path.GetFileName(fd), family, detail));
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The process ended while it was read.
        }
        return result;
    }

    /// <summary>What fds 0, 1 and 2 are: pipe:[…] when a client redirects stdio, as editors and these tests do.</summary>
    public static IReadOnlyList<string> Stdio(int pid) =>
        [.. new[] { "0", "1", "2" }.Select(fd => new FileInfo($"/proc/{pid}/fd/{fd}").LinkTarget ?? "?")];

    private static IEnumerable<string[]> Rows(string path)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            yield break;
        }
        foreach (var line in lines.Skip(1))
            yield return line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>Runs a program to completion and returns its exit code and output (for probing unshare and strace).</summary>
    public static (int Code, string Output) Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        try
        {
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(LspTestClient.HangGuard))
            {
                process.Kill(entireProcessTree: true);
                return (-1, "timed out");
            }
            return (process.ExitCode, output.Result + error.Result);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, e.Message);
        }
    }

    /// <summary>Whether strace is installed and may trace here (ptrace allowed); if not, why.</summary>
    public static bool StraceUsable(out string why)
    {
        var (code, output) = Run("strace", "-f", "-qq", "-e", "trace=socket", "-o", "/dev/null", "true");
        why = code == 0 ? "" : $"strace is not installed or may not trace here ({output.Trim()})";
        return code == 0;
    }

    [GeneratedRegex(@"^socket:\[(\d+)\]$")]
    private static partial Regex SocketInode();
}

/// <summary>A fact that runs only where `unshare -n` may create a network namespace (root, or user namespaces).</summary>
public sealed class UnshareFactAttribute : FactAttribute
{
    public UnshareFactAttribute()
    {
        var (code, output) = ProcessSockets.Run("unshare", "-n", "true");
        if (code != 0)
            Skip = $"unshare -n is not permitted here (it needs root or unprivileged user namespaces): {output.Trim()}";
    }
}
