using CodeAssist.Engine.Documents;

namespace CodeAssist.Engine.Context.Sources;

/// <summary>
/// Snippets from other open documents around where they were last edited, most recent first; snippets that mostly
/// repeat the current window or each other are dropped. Works for every language.
/// </summary>
public sealed class RecentDocumentsSource(DocumentStore documents) : IContextSource
{
    private const int MaxDocuments = 4;
    private const int LinesAround = 20;
    private const double NearDuplicate = 0.5;

    public ContextPlacement Placement => ContextPlacement.BeforeFile;

    public Task<IReadOnlyList<ContextCandidate>> GetAsync(ContextRequest request, CancellationToken cancellationToken)
    {
        var seen = new List<HashSet<string>> { LineSet(request.PrefixWindow + request.SuffixWindow) };
        var candidates = new List<ContextCandidate>();
        foreach (var other in documents.All
            .Where(d => d.Uri != request.Document.Uri && d.Text.Length <= DocumentStore.MaxCompletableLength)
            .OrderByDescending(d => d.LastTouched)
            .Take(MaxDocuments * 2))
        {
            var snippet = SnippetOf(other);
            var lines = LineSet(snippet);
            if (lines.Count == 0 || seen.Any(s => Overlap(lines, s) > NearDuplicate))
                continue;
            seen.Add(lines);
            var path = other.FilePath is { } p ? Path.GetFileName(p) : other.Uri.ToString();
            candidates.Add(new ContextCandidate("recent", path, snippet, Priority: 0.5 - 0.05 * candidates.Count));
            if (candidates.Count == MaxDocuments)
                break;
        }
        return Task.FromResult<IReadOnlyList<ContextCandidate>>(candidates);
    }

    private static string SnippetOf(DocumentSnapshot document)
    {
        var lines = document.Text.Lines;
        var center = document.LastEditLine ?? 0;
        var first = Math.Max(0, center - LinesAround);
        var last = Math.Min(lines.Count - 1, center + LinesAround);
        return document.Text.ToString(Microsoft.CodeAnalysis.Text.TextSpan.FromBounds(lines[first].Start, lines[last].End));
    }

    private static HashSet<string> LineSet(string text) =>
        [.. text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 3)];

    private static double Overlap(HashSet<string> a, HashSet<string> b) =>
        a.Count == 0 ? 0 : (double)a.Count(b.Contains) / a.Count;
}
