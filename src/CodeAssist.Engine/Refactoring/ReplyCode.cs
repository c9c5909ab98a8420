using System.Text.RegularExpressions;

namespace CodeAssist.Engine.Refactoring;

/// <summary>
/// The code in a model's reply. Instruction-tuned models wrap code in markdown fences and talk around it even when
/// told not to; the code is the first C# (or unlabelled) fenced block, or, without fences, the reply minus the prose
/// lines before and after it.
/// </summary>
public static partial class ReplyCode
{
    private static readonly string[] CSharpLabels = ["", "csharp", "cs", "c#", "c-sharp"];

    public static string Extract(string reply)
    {
        var lines = reply.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var blocks = FencedBlocks(lines);
        if (blocks.Count > 0)
        {
            var chosen = blocks.FirstOrDefault(b => CSharpLabels.Contains(b.Label, StringComparer.OrdinalIgnoreCase)) ?? blocks[0];
            return TrimBlankLines(chosen.Lines);
        }
        var start = 0;
        var end = lines.Length;
        while (start < end && (lines[start].Trim().Length == 0 || IsProse(lines[start])))
            start++;
        while (end > start && (lines[end - 1].Trim().Length == 0 || IsProse(lines[end - 1])))
            end--;
        return TrimBlankLines(lines[start..end]);
    }

    /// <summary>The leading run of <c>///</c> lines (a documentation comment) in <paramref name="code"/>, or null.</summary>
    public static IReadOnlyList<string>? DocumentationComment(string code)
    {
        var lines = code.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var comment = lines.SkipWhile(l => !l.TrimStart().StartsWith("///", StringComparison.Ordinal))
            .TakeWhile(l => l.TrimStart().StartsWith("///", StringComparison.Ordinal))
            .ToList();
        return comment.Count == 0 ? null : comment;
    }

    /// <summary>The code without its leading documentation comment (kept when the original member has its own).</summary>
    public static string WithoutLeadingDocumentationComment(string code)
    {
        var lines = code.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        return string.Join('\n', lines.SkipWhile(l => l.TrimStart().StartsWith("///", StringComparison.Ordinal)));
    }

    private sealed record Block(string Label, string[] Lines);

    private static List<Block> FencedBlocks(string[] lines)
    {
        var blocks = new List<Block>();
        for (var i = 0; i < lines.Length; i++)
        {
            var open = Fence().Match(lines[i]);
            if (!open.Success)
                continue;
            var close = i + 1;
            while (close < lines.Length && lines[close].Trim() != open.Groups["ticks"].Value)
                close++;
            // An unclosed fence is a reply cut off by the token limit: its code runs to the end.
            blocks.Add(new Block(open.Groups["label"].Value.Trim(), lines[(i + 1)..Math.Min(close, lines.Length)]));
            i = close;
        }
        return blocks;
    }

    /// <summary>A sentence rather than code: starts with a letter, ends with ':' or '.', and has no code punctuation.</summary>
    private static bool IsProse(string line)
    {
        var trimmed = line.Trim();
        return trimmed.Length > 0 && char.IsLetter(trimmed[0]) && trimmed[^1] is ':' or '.' or '!'
            && trimmed.Contains(' ', StringComparison.Ordinal) && trimmed.IndexOfAny([';', '{', '}', '(', ')', '=', '<', '>', '[', ']']) < 0;
    }

    private static string TrimBlankLines(IEnumerable<string> lines)
    {
        var list = lines.ToList();
        while (list.Count > 0 && list[0].Trim().Length == 0)
            list.RemoveAt(0);
        while (list.Count > 0 && list[^1].Trim().Length == 0)
            list.RemoveAt(list.Count - 1);
        return string.Join('\n', list);
    }

    [GeneratedRegex(@"^\s*(?<ticks>`{3,}|~{3,})(?<label>[^`]*)$")]
    private static partial Regex Fence();
}
