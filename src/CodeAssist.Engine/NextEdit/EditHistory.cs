using CodeAssist.Engine.Documents;
using Microsoft.CodeAnalysis.Text;

namespace CodeAssist.Engine.NextEdit;

/// <summary>
/// One coalesced edit of a document: the keystrokes the user typed on the same lines, one after another, as a single
/// change from <see cref="Before"/> to <see cref="After"/>. <see cref="OldSpan"/> is what it replaced in Before,
/// <see cref="NewSpan"/> what it wrote in After.
/// </summary>
public sealed record RecentEdit(Uri Uri, string? FilePath, SourceText Before, SourceText After, TextSpan OldSpan, TextSpan NewSpan, long Sequence);

/// <summary>A document the user edited recently: its text before the first edit still remembered, and now.</summary>
public sealed record EditedDocument(Uri Uri, string? FilePath, SourceText Baseline, SourceText Current, IReadOnlyList<RecentEdit> Edits)
{
    public RecentEdit Last => Edits[^1];
}

/// <summary>
/// The user's recent edits per open document, from the didChange stream: what next-edit suggestions reason from (the
/// diagnostics the edits introduced, the symbol the last one changed, the textual change to repeat) and what their
/// prompts show as unified diffs. Keystrokes on the lines the previous edit touched coalesce into that edit, so
/// "the last edit" is a change the user made (a parameter added), not its last character.
/// </summary>
public sealed class EditHistory
{
    /// <summary>Edits remembered per document; older ones fold into the baseline.</summary>
    public const int EditsPerDocument = 16;

    /// <summary>Documents remembered; the least recently edited is forgotten first.</summary>
    public const int Documents = 8;

    private readonly Lock _gate = new();
    private readonly Dictionary<Uri, (SourceText Text, List<RecentEdit> Edits, string? FilePath)> _documents = [];
    private long _sequence;

    /// <summary>Follows the document store: an open starts a document's history, an edit extends it, a close ends it.</summary>
    public void Attach(DocumentStore store)
    {
        store.Changed += Record;
        store.Closed += Forget;
    }

    public void Record(DocumentSnapshot snapshot)
    {
        lock (_gate)
        {
            if (!_documents.TryGetValue(snapshot.Uri, out var entry))
            {
                _documents[snapshot.Uri] = (snapshot.Text, [], snapshot.FilePath);
                return;
            }
            var before = entry.Text;
            var after = snapshot.Text;
            _documents[snapshot.Uri] = (after, entry.Edits, snapshot.FilePath);
            if (ChangedSpans(before, after) is not { } spans)
                return;
            var sequence = ++_sequence;
            if (entry.Edits.Count > 0 && entry.Edits[^1] is var previous && previous.Sequence == _sequence - 1 && TouchesSameLines(before, previous.NewSpan, spans.Old))
            {
                // The same change continued: one edit from the previous edit's before-text to this text.
                if (ChangedSpans(previous.Before, after) is { } merged)
                    entry.Edits[^1] = previous with { After = after, OldSpan = merged.Old, NewSpan = merged.New, Sequence = sequence };
                else
                    entry.Edits.RemoveAt(entry.Edits.Count - 1); // typed and undone: nothing changed
                return;
            }
            entry.Edits.Add(new RecentEdit(snapshot.Uri, snapshot.FilePath, before, after, spans.Old, spans.New, sequence));
            if (entry.Edits.Count > EditsPerDocument)
                entry.Edits.RemoveAt(0);
            if (_documents.Count(d => d.Value.Edits.Count > 0) > Documents)
            {
                var oldest = _documents.Where(d => d.Value.Edits.Count > 0).MinBy(d => d.Value.Edits[^1].Sequence);
                _documents[oldest.Key] = (oldest.Value.Text, [], oldest.Value.FilePath);
            }
        }
    }

    /// <summary>
    /// A closed document without edits is forgotten; one with edits is kept (bounded by <see cref="Documents"/>): users
    /// close the file whose signature they changed and go on to its callers, and the edit still explains them.
    /// </summary>
    public void Forget(Uri uri)
    {
        lock (_gate)
        {
            if (_documents.TryGetValue(uri, out var entry) && entry.Edits.Count == 0)
                _documents.Remove(uri);
        }
    }

    /// <summary>The documents with remembered edits, the most recently edited first.</summary>
    public IReadOnlyList<EditedDocument> Edited()
    {
        lock (_gate)
        {
            return [.. _documents
                .Where(d => d.Value.Edits.Count > 0)
                .OrderByDescending(d => d.Value.Edits[^1].Sequence)
                .Select(d => new EditedDocument(d.Key, d.Value.FilePath, d.Value.Edits[0].Before, d.Value.Text, [.. d.Value.Edits]))];
        }
    }

    /// <summary>The latest edit of any document, or null when nothing was edited.</summary>
    public RecentEdit? Last
    {
        get
        {
            lock (_gate)
                return _documents.Values.Where(d => d.Edits.Count > 0).Select(d => d.Edits[^1]).MaxBy(e => e.Sequence);
        }
    }

    /// <summary>Forgets every edit (the texts stay): what follows starts a new history.</summary>
    public void Clear()
    {
        lock (_gate)
        {
            foreach (var uri in _documents.Keys.ToList())
                _documents[uri] = (_documents[uri].Text, [], _documents[uri].FilePath);
        }
    }

    /// <summary>The span that differs between two texts, in each: the common prefix and suffix cut off.</summary>
    public static (TextSpan Old, TextSpan New)? ChangedSpans(SourceText before, SourceText after)
    {
        // Texts derived by WithChanges know their changes; the union of them bounds the difference.
        var changes = after.GetChangeRanges(before);
        if (changes.Count == 0)
            return null;
        var start = changes[0].Span.Start;
        var oldEnd = changes[^1].Span.End;
        var newEnd = oldEnd + changes.Sum(c => c.NewLength - c.Span.Length);
        // Trim what the change ranges include but did not really change (a full-text replacement says "everything").
        while (start < oldEnd && start < newEnd && before[start] == after[start])
            start++;
        while (oldEnd > start && newEnd > start && before[oldEnd - 1] == after[newEnd - 1])
        {
            oldEnd--;
            newEnd--;
        }
        if (oldEnd == start && newEnd == start)
            return null;
        return (TextSpan.FromBounds(start, oldEnd), TextSpan.FromBounds(start, newEnd));
    }

    private static bool TouchesSameLines(SourceText text, TextSpan previous, TextSpan change)
    {
        var previousLines = text.Lines.GetLinePositionSpan(previous);
        var changeLines = text.Lines.GetLinePositionSpan(change);
        return changeLines.Start.Line <= previousLines.End.Line && changeLines.End.Line >= previousLines.Start.Line;
    }
}
