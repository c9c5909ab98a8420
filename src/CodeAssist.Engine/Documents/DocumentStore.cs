using System.Collections.Concurrent;
using Microsoft.CodeAnalysis.Text;

namespace CodeAssist.Engine.Documents;

/// <summary>A change to a document in editor terms: a range (absent: the whole text) and its new text.</summary>
public sealed record DocumentEdit((int Line, int Character)? Start, (int Line, int Character)? End, string NewText);

/// <summary>
/// The open documents, as the editor sees them. Notifications change it in order; readers take snapshots.
/// </summary>
public sealed class DocumentStore
{
    /// <summary>Documents larger than this are tracked but not completed: a model cannot read them and copying them per keystroke hurts.</summary>
    public const int MaxCompletableLength = 4 * 1024 * 1024;

    private readonly ConcurrentDictionary<Uri, DocumentSnapshot> _documents = new();

    public event Action<DocumentSnapshot>? Changed;
    public event Action<Uri>? Closed;

    public DocumentSnapshot Open(Uri uri, string languageId, int version, string text)
    {
        var snapshot = new DocumentSnapshot(uri, uri.IsFile ? uri.LocalPath : null, languageId, version, SourceText.From(text));
        _documents[uri] = snapshot;
        Changed?.Invoke(snapshot);
        return snapshot;
    }

    /// <summary>Applies incremental or full edits in order. Throws <see cref="BadRequestException"/> for unknown documents or bad ranges.</summary>
    public DocumentSnapshot Change(Uri uri, int version, IEnumerable<DocumentEdit> edits)
    {
        if (!_documents.TryGetValue(uri, out var current))
            throw new BadRequestException($"{uri} is not open; send textDocument/didOpen first");
        var text = current.Text;
        var editLine = current.LastEditLine;
        foreach (var edit in edits)
        {
            if (edit.Start is null || edit.End is null)
            {
                text = SourceText.From(edit.NewText);
                continue;
            }
            var start = ClampedOffset(text, edit.Start.Value);
            var end = ClampedOffset(text, edit.End.Value);
            if (end < start)
                throw new BadRequestException($"change range ends before it starts in {uri}");
            text = text.WithChanges(new TextChange(TextSpan.FromBounds(start, end), edit.NewText));
            editLine = text.Lines.GetLineFromPosition(Math.Min(start + edit.NewText.Length, text.Length)).LineNumber;
        }
        var snapshot = current with { Version = version, Text = text, LastTouched = DateTime.UtcNow, LastEditLine = editLine };
        _documents[uri] = snapshot;
        Changed?.Invoke(snapshot);
        return snapshot;
    }

    public void Close(Uri uri)
    {
        if (_documents.TryRemove(uri, out _))
            Closed?.Invoke(uri);
    }

    public DocumentSnapshot? TryGet(Uri uri) => _documents.TryGetValue(uri, out var snapshot) ? snapshot : null;

    public IReadOnlyCollection<DocumentSnapshot> All => [.. _documents.Values];

    /// <summary>Positions past a line's end or past the last line clamp to the nearest valid place, as LSP clients expect.</summary>
    private static int ClampedOffset(SourceText text, (int Line, int Character) position)
    {
        if (position.Line < 0)
            return 0;
        if (position.Line >= text.Lines.Count)
            return text.Length;
        var line = text.Lines[position.Line];
        return line.Start + Math.Clamp(position.Character, 0, line.End - line.Start);
    }
}
