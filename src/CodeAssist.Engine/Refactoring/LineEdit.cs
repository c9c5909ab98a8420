using Microsoft.CodeAnalysis.Text;

namespace CodeAssist.Engine.Refactoring;

/// <summary>
/// The smallest whole-line replacement between two versions of a text: the lines both share at the start and at the
/// end are left alone. Whole lines keep edits readable in a diff preview and exact for the editor.
/// </summary>
public static class LineEdit
{
    public static TextReplacement Between(SourceText before, SourceText after)
    {
        var old = Lines(before);
        var @new = Lines(after);
        var prefix = 0;
        while (prefix < old.Count && prefix < @new.Count && old[prefix] == @new[prefix])
            prefix++;
        var suffix = 0;
        while (suffix < old.Count - prefix && suffix < @new.Count - prefix && old[^(suffix + 1)] == @new[^(suffix + 1)])
            suffix++;
        var startOffset = old.Take(prefix).Sum(l => l.Length);
        var endOffset = before.Length - old.TakeLast(suffix).Sum(l => l.Length);
        return new TextReplacement(startOffset, endOffset, string.Concat(@new.Skip(prefix).Take(@new.Count - prefix - suffix)));
    }

    /// <summary>The lines with their line breaks; a text not ending in a line break has a last line without one.</summary>
    private static List<string> Lines(SourceText text) =>
        [.. text.Lines.Select(l => text.ToString(l.SpanIncludingLineBreak)).Where(l => l.Length > 0)];
}
