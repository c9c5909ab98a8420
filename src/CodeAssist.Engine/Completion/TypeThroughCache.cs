using CodeAssist.Engine.Documents;

namespace CodeAssist.Engine.Completion;

/// <summary>
/// Answers without the model when the user types (or backspaces) within a suggestion already made: the rest of the
/// suggestion is still right. Entries are keyed by the document, a hash of the text before the suggestion's origin and
/// a hash of the text after the cursor; least recently used entries go first.
/// </summary>
public sealed class TypeThroughCache(int capacity = 100)
{
    private const int PrefixHashChars = 512, SuffixHashChars = 256;

    private sealed record Entry(Uri Uri, int Origin, int PrefixHash, int SuffixHash, IReadOnlyList<string> Suggestions);

    private readonly LinkedList<Entry> _entries = new();
    private readonly Lock _gate = new();

    public void Remember(DocumentSnapshot document, int origin, IReadOnlyList<string> suggestions)
    {
        if (suggestions.Count == 0)
            return;
        var entry = new Entry(document.Uri, origin, PrefixHash(document, origin), SuffixHash(document, origin), suggestions);
        lock (_gate)
        {
            for (var node = _entries.First; node is not null; node = node.Next)
            {
                if (node.Value.Uri == entry.Uri && node.Value.Origin == origin && node.Value.PrefixHash == entry.PrefixHash)
                {
                    _entries.Remove(node);
                    break;
                }
            }
            _entries.AddFirst(entry);
            while (_entries.Count > capacity)
                _entries.RemoveLast();
        }
    }

    /// <summary>The remainders of cached suggestions that what was typed since their origin still matches; empty on a miss.</summary>
    public IReadOnlyList<string> Lookup(DocumentSnapshot document, int offset)
    {
        lock (_gate)
        {
            for (var node = _entries.First; node is not null; node = node.Next)
            {
                var entry = node.Value;
                if (entry.Uri != document.Uri || offset < entry.Origin || offset - entry.Origin > entry.Suggestions.Max(s => s.Length))
                    continue;
                var typed = document.Text.ToString(new Microsoft.CodeAnalysis.Text.TextSpan(entry.Origin, offset - entry.Origin));
                var remainders = entry.Suggestions
                    .Where(s => s.Length > typed.Length && s.StartsWith(typed, StringComparison.Ordinal))
                    .Select(s => s[typed.Length..])
                    .ToList();
                if (remainders.Count == 0 || PrefixHash(document, entry.Origin) != entry.PrefixHash || SuffixHash(document, offset) != entry.SuffixHash)
                    continue;
                _entries.Remove(node);
                _entries.AddFirst(entry);
                return remainders;
            }
        }
        return [];
    }

    /// <summary>Forgets every suggestion: they came from a model that is no longer the one answering.</summary>
    public void Clear()
    {
        lock (_gate)
            _entries.Clear();
    }

    public void Forget(Uri uri)
    {
        lock (_gate)
        {
            for (var node = _entries.First; node is not null;)
            {
                var next = node.Next;
                if (node.Value.Uri == uri)
                    _entries.Remove(node);
                node = next;
            }
        }
    }

    private static int PrefixHash(DocumentSnapshot document, int origin)
    {
        var start = Math.Max(0, origin - PrefixHashChars);
        return string.GetHashCode(document.Text.ToString(new Microsoft.CodeAnalysis.Text.TextSpan(start, origin - start)).AsSpan());
    }

    private static int SuffixHash(DocumentSnapshot document, int offset)
    {
        var length = Math.Min(SuffixHashChars, document.Text.Length - offset);
        return string.GetHashCode(document.Text.ToString(new Microsoft.CodeAnalysis.Text.TextSpan(offset, length)).AsSpan());
    }
}
