using System.Runtime.CompilerServices;
using CodeAssist.Engine.Evaluation;
using Microsoft.CodeAnalysis.Text;

namespace CodeAssist.Engine.Context;

/// <summary>A window of lines of another file, and how alike it is to the code at the cursor.</summary>
public sealed record SimilarWindow(string Path, int FirstLine, string Text, double Similarity);

/// <summary>
/// What text retrieval sends (Tabby, Cody, llama.vim, Continue): fixed windows of other files ranked by the Jaccard
/// similarity of their identifier sets with the lines around the cursor. It is the baseline context recall is compared
/// with, and the fallback source where the compiler view has nothing to say. Windows are cut once per text.
/// </summary>
public static class SimilarWindows
{
    /// <summary>Lines per window, and the step between window starts (windows overlap by half).</summary>
    public const int WindowLines = 20, Step = 10;

    /// <summary>Lines above the cursor (with its own) that make the query, as in Tabby and Continue.</summary>
    public const int QueryLines = 20;

    private sealed record Window(int FirstLine, string Text, int WordCount);

    /// <summary>A text's windows and, for each word, the windows holding it: a query then touches only the windows it shares a word with.</summary>
    private sealed record CutText(Window[] Windows, Dictionary<string, int[]> WindowsByWord);

    private static readonly ConditionalWeakTable<SourceText, CutText> Cut = new();

    /// <summary>The identifiers of the <see cref="QueryLines"/> lines that end at the cursor.</summary>
    public static HashSet<string> QueryAt(SourceText text, int offset)
    {
        var line = text.Lines.GetLineFromPosition(offset).LineNumber;
        var first = text.Lines[Math.Max(0, line - QueryLines + 1)].Start;
        return ContextRecall.Words(text.ToString(TextSpan.FromBounds(first, offset)));
    }

    /// <summary>
    /// The best windows of <paramref name="files"/>, most similar first, no two overlapping in one file, until
    /// <paramref name="characters"/> are used (the last one cut to whole lines that fit). Windows with nothing in
    /// common with the query are never sent.
    /// </summary>
    public static IReadOnlyList<SimilarWindow> Best(IEnumerable<(string Path, SourceText Text)> files, HashSet<string> query, int characters) =>
        Best(files, query, characters, int.MaxValue);

    /// <summary><see cref="Best(IEnumerable{ValueTuple{string, SourceText}}, HashSet{string}, int)"/>, at most <paramref name="maxWindows"/> of them.</summary>
    public static IReadOnlyList<SimilarWindow> Best(
        IEnumerable<(string Path, SourceText Text)> files, HashSet<string> query, int characters, int maxWindows)
    {
        // Every window sharing a word is scored; only the best few are kept when few are wanted (a bounded heap, so a
        // query of common words over a large solution does not sort every window of it).
        var keep = maxWindows == int.MaxValue ? int.MaxValue : maxWindows * 4;
        var ranked = new List<(string Path, Window Window, double Similarity)>();
        var best = new PriorityQueue<(string Path, Window Window, double Similarity), (double, string, int)>(WorstFirst);
        var common = new Dictionary<int, int>();
        foreach (var (path, text) in files)
        {
            var cut = Cut.GetValue(text, WindowsOf);
            common.Clear();
            foreach (var word in query)
            {
                if (!cut.WindowsByWord.TryGetValue(word, out var holding))
                    continue;
                foreach (var index in holding)
                    common[index] = common.GetValueOrDefault(index) + 1;
            }
            foreach (var (index, shared) in common)
            {
                var window = cut.Windows[index];
                var scored = (path, window, (double)shared / (query.Count + window.WordCount - shared));
                if (keep == int.MaxValue)
                {
                    ranked.Add(scored);
                    continue;
                }
                var priority = (scored.Item3, path, window.FirstLine);
                if (best.Count < keep)
                    best.Enqueue(scored, priority);
                else
                    best.EnqueueDequeue(scored, priority);
            }
        }
        ranked.AddRange(best.UnorderedItems.Select(i => i.Element));
        var chosen = new List<SimilarWindow>();
        var left = characters;
        var ordered = ranked.OrderByDescending(r => r.Similarity).ThenBy(r => r.Path, StringComparer.Ordinal).ThenBy(r => r.Window.FirstLine);
        foreach (var (path, window, similarity) in ordered)
        {
            if (left <= 0 || chosen.Count >= maxWindows)
                break;
            if (chosen.Any(c => c.Path == path && Math.Abs(c.FirstLine - window.FirstLine) < WindowLines))
                continue;
            var text = window.Text.Length <= left ? window.Text : WholeLinesWithin(window.Text, left);
            if (text.Length == 0)
                continue;
            chosen.Add(new SimilarWindow(path, window.FirstLine, text, similarity));
            left -= text.Length;
        }
        return chosen;
    }

    /// <summary>
    /// The heap's order: its top is the window the final ranking puts last (least similar, then the later path, then
    /// the later line), so the best ones stay.
    /// </summary>
    private static readonly Comparer<(double Similarity, string Path, int FirstLine)> WorstFirst = Comparer<(double Similarity, string Path, int FirstLine)>
        .Create((a, b) => a.Similarity != b.Similarity ? a.Similarity.CompareTo(b.Similarity)
            : string.CompareOrdinal(b.Path, a.Path) is var byPath and not 0 ? byPath
            : b.FirstLine.CompareTo(a.FirstLine));

    /// <summary>
    /// Whether <paramref name="word"/> occurs as a whole word in <paramref name="text"/>: a look-up in the same per-text
    /// index the windows are ranked with, so other sources find the files that name something without reading them.
    /// </summary>
    public static bool Mentions(SourceText text, string word) => Cut.GetValue(text, WindowsOf).WindowsByWord.ContainsKey(word);

    public static double Jaccard(HashSet<string> a, HashSet<string> b)
    {
        if (a.Count == 0 || b.Count == 0)
            return 0;
        var (small, large) = a.Count <= b.Count ? (a, b) : (b, a);
        var common = small.Count(large.Contains);
        return (double)common / (a.Count + b.Count - common);
    }

    private static CutText WindowsOf(SourceText text)
    {
        var windows = new List<Window>();
        var byWord = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        var lines = text.Lines;
        for (var first = 0; first < lines.Count; first += Step)
        {
            var last = Math.Min(lines.Count - 1, first + WindowLines - 1);
            var body = text.ToString(TextSpan.FromBounds(lines[first].Start, lines[last].End));
            var words = ContextRecall.Words(body);
            foreach (var word in words)
            {
                if (!byWord.TryGetValue(word, out var holding))
                    byWord[word] = holding = [];
                holding.Add(windows.Count);
            }
            windows.Add(new Window(first, body, words.Count));
            if (last == lines.Count - 1)
                break;
        }
        return new CutText([.. windows], byWord.ToDictionary(p => p.Key, p => p.Value.ToArray(), StringComparer.Ordinal));
    }

    private static string WholeLinesWithin(string text, int characters)
    {
        var end = text.LastIndexOf('\n', Math.Min(text.Length - 1, characters));
        return end <= 0 ? "" : text[..end];
    }
}
