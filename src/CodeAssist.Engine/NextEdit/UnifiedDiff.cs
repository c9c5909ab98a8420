using System.Text;
using Microsoft.CodeAnalysis.Text;

namespace CodeAssist.Engine.NextEdit;

/// <summary>
/// A unified diff of one document (`diff -u` spelling, one hunk over the changed lines with context), as next-edit
/// models were trained to read the user's recent edits.
/// </summary>
public static class UnifiedDiff
{
    public static string Of(string path, SourceText before, SourceText after, int contextLines = 3)
    {
        var oldLines = Lines(before);
        var newLines = Lines(after);
        var prefix = 0;
        while (prefix < oldLines.Count && prefix < newLines.Count && oldLines[prefix] == newLines[prefix])
            prefix++;
        var suffix = 0;
        while (suffix < oldLines.Count - prefix && suffix < newLines.Count - prefix && oldLines[^(suffix + 1)] == newLines[^(suffix + 1)])
            suffix++;
        if (prefix == oldLines.Count && prefix == newLines.Count)
            return "";
        var start = Math.Max(0, prefix - contextLines);
        var oldEnd = Math.Min(oldLines.Count, oldLines.Count - suffix + contextLines);
        var newEnd = Math.Min(newLines.Count, newLines.Count - suffix + contextLines);
        var diff = new StringBuilder();
        diff.Append("--- a/").Append(path).Append('\n').Append("+++ b/").Append(path).Append('\n');
        diff.Append("@@ -").Append(Range(start, oldEnd - start)).Append(" +").Append(Range(start, newEnd - start)).Append(" @@\n");
        for (var i = start; i < prefix; i++)
            diff.Append(' ').Append(oldLines[i]).Append('\n');
        for (var i = prefix; i < oldLines.Count - suffix; i++)
            diff.Append('-').Append(oldLines[i]).Append('\n');
        for (var i = prefix; i < newLines.Count - suffix; i++)
            diff.Append('+').Append(newLines[i]).Append('\n');
        for (var i = newLines.Count - suffix; i < newEnd; i++)
            diff.Append(' ').Append(newLines[i]).Append('\n');
        return diff.ToString();
    }

    /// <summary>`start,count` with 1-based lines; an empty range names the line before it, as diff does.</summary>
    private static string Range(int start, int count) => count == 0 ? $"{start},0" : $"{start + 1},{count}";

    private static List<string> Lines(SourceText text) => [.. text.Lines.Select(l => text.ToString(l.Span))];
}
