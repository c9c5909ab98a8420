using System.Text;

namespace CodeAssist.Server.Cli;

/// <summary>
/// A line-based unified diff (what `diff -u` and `git apply` read) of two versions of a file. Refactorings change a
/// region of a file, so the lines both versions share at the start and end are set aside before the longest common
/// subsequence of the rest is computed.
/// </summary>
internal static class UnifiedDiff
{
    private const int ContextLines = 3;

    private enum Op
    {
        Keep,
        Remove,
        Add,
    }

    /// <summary>The diff, or an empty string when the texts are equal. A null <paramref name="oldPath"/> means a new file.</summary>
    public static string Format(string? oldPath, string newPath, string oldText, string newText)
    {
        var old = Lines(oldText);
        var @new = Lines(newText);
        var script = Script(old, @new);
        if (script.All(s => s.Op == Op.Keep))
            return "";
        var output = new StringBuilder();
        output.Append("--- ").Append(oldPath is null ? "/dev/null" : "a/" + oldPath).Append('\n');
        output.Append("+++ b/").Append(newPath).Append('\n');
        foreach (var hunk in Hunks(script))
        {
            var oldBefore = script.Take(hunk.Start).Count(s => s.Op != Op.Add);
            var newBefore = script.Take(hunk.Start).Count(s => s.Op != Op.Remove);
            var lines = script.Skip(hunk.Start).Take(hunk.Count).ToList();
            var oldCount = lines.Count(s => s.Op != Op.Add);
            var newCount = lines.Count(s => s.Op != Op.Remove);
            output.Append($"@@ -{Range(oldBefore, oldCount)} +{Range(newBefore, newCount)} @@\n");
            foreach (var (op, line) in lines)
            {
                output.Append(op switch { Op.Keep => ' ', Op.Remove => '-', _ => '+' }).Append(line.TrimEnd('\n', '\r'));
                output.Append('\n');
                if (!line.EndsWith('\n'))
                    output.Append("\\ No newline at end of file\n");
            }
        }
        return output.ToString();
    }

    /// <summary>"start,count" as diff prints it: an empty range is named by the line before it.</summary>
    private static string Range(int before, int count) => count == 0 ? $"{before},0" : count == 1 ? $"{before + 1}" : $"{before + 1},{count}";

    /// <summary>Lines with their line breaks, so that a missing final line break is a difference too.</summary>
    private static List<string> Lines(string text)
    {
        var lines = new List<string>();
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] != '\n')
                continue;
            lines.Add(text[start..(i + 1)]);
            start = i + 1;
        }
        if (start < text.Length)
            lines.Add(text[start..]);
        return lines;
    }

    private static List<(Op Op, string Line)> Script(List<string> old, List<string> @new)
    {
        var prefix = 0;
        while (prefix < old.Count && prefix < @new.Count && old[prefix] == @new[prefix])
            prefix++;
        var suffix = 0;
        while (suffix < old.Count - prefix && suffix < @new.Count - prefix && old[^(suffix + 1)] == @new[^(suffix + 1)])
            suffix++;
        var a = old.GetRange(prefix, old.Count - prefix - suffix);
        var b = @new.GetRange(prefix, @new.Count - prefix - suffix);

        // Longest common subsequence of the changed middle, read forwards.
        var lcs = new int[a.Count + 1, b.Count + 1];
        for (var i = a.Count - 1; i >= 0; i--)
        {
            for (var j = b.Count - 1; j >= 0; j--)
                lcs[i, j] = a[i] == b[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
        }
        var script = old.Take(prefix).Select(l => (Op.Keep, l)).ToList();
        int x = 0, y = 0;
        while (x < a.Count || y < b.Count)
        {
            if (x < a.Count && y < b.Count && a[x] == b[y])
            {
                script.Add((Op.Keep, a[x++]));
                y++;
            }
            else if (y < b.Count && (x == a.Count || lcs[x, y + 1] >= lcs[x + 1, y]))
            {
                script.Add((Op.Add, b[y++]));
            }
            else
            {
                script.Add((Op.Remove, a[x++]));
            }
        }
        script.AddRange(old.Skip(old.Count - suffix).Select(l => (Op.Keep, l)));
        // Removals before additions within a change, as diff prints them.
        return Reorder(script);
    }

    private static List<(Op Op, string Line)> Reorder(List<(Op Op, string Line)> script)
    {
        var result = new List<(Op, string)>();
        var removed = new List<(Op, string)>();
        var added = new List<(Op, string)>();
        foreach (var step in script.Append((Op: Op.Keep, Line: "")))
        {
            if (step.Op == Op.Remove)
            {
                removed.Add(step);
                continue;
            }
            if (step.Op == Op.Add)
            {
                added.Add(step);
                continue;
            }
            result.AddRange(removed);
            result.AddRange(added);
            removed.Clear();
            added.Clear();
            result.Add(step);
        }
        result.RemoveAt(result.Count - 1);
        return result;
    }

    /// <summary>Runs of changes with up to three lines of context each side; runs closer than that share a hunk.</summary>
    private static IEnumerable<(int Start, int Count)> Hunks(List<(Op Op, string Line)> script)
    {
        var changed = Enumerable.Range(0, script.Count).Where(i => script[i].Op != Op.Keep).ToList();
        var index = 0;
        while (index < changed.Count)
        {
            var start = Math.Max(0, changed[index] - ContextLines);
            var end = changed[index];
            while (index < changed.Count && changed[index] - end <= 2 * ContextLines)
                end = changed[index++];
            end = Math.Min(script.Count - 1, end + ContextLines);
            yield return (start, end - start + 1);
        }
    }
}
