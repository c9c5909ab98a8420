using Microsoft.CodeAnalysis.Text;

namespace CodeAssist.Engine.Documents;

/// <summary>An open document at one version. Immutable: requests work on a snapshot while edits move on.</summary>
public sealed record DocumentSnapshot(Uri Uri, string? FilePath, string LanguageId, int Version, SourceText Text)
{
    /// <summary>When the document was opened or last edited: recent documents are context for others.</summary>
    public DateTime LastTouched { get; init; } = DateTime.UtcNow;

    /// <summary>The line of the latest edit, when there was one.</summary>
    public int? LastEditLine { get; init; }

    public bool IsCSharp => LanguageId == "csharp" || (FilePath?.EndsWith(".cs", StringComparison.OrdinalIgnoreCase) ?? false);

    /// <summary>
    /// Offset of an editor position (line, UTF-16 character). Characters past the end of a line mean the end of
    /// that line, as LSP says; a line past the end of the document has no offset.
    /// </summary>
    public int? OffsetOf(int line, int character)
    {
        if (line < 0 || character < 0 || line >= Text.Lines.Count)
            return null;
        var textLine = Text.Lines[line];
        return textLine.Start + Math.Min(character, textLine.End - textLine.Start);
    }

    public (int Line, int Character) PositionOf(int offset)
    {
        var position = Text.Lines.GetLinePosition(Math.Clamp(offset, 0, Text.Length));
        return (position.Line, position.Character);
    }
}
