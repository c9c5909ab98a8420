using CodeAssist.Engine.Documents;
using CodeAssist.Engine.Workspace;

namespace CodeAssist.Engine.Context;

/// <summary>
/// Builds the context for a cursor position, cheapest first: prefix and suffix windows (never starved), then the
/// semantic pieces Roslyn finds, ranked and packed into what is left of the token budget.
/// </summary>
public sealed class ContextBuilder(CodeWorkspace workspace, IReadOnlyList<IContextSource> sources)
{
    /// <summary>Shares of the budget the windows may take before other context is considered.</summary>
    private const double PrefixShare = 0.55, SuffixShare = 0.15;

    /// <summary>
    /// The share of the budget kept for pieces placed above the cursor's line. It is kept whether they come or not:
    /// if they took it from the rest, the prefix window and the pieces before the file would change with every dot
    /// and parenthesis, and the engine's prefix cache would be lost each time (a long member list keeps its first,
    /// best-ranked lines).
    /// </summary>
    private const double AboveCursorLineShare = 0.2;

    /// <summary>
    /// With fewer tokens left than this no further piece is started: two lines of an outline or a list barely fit, and
    /// the tokens serve better as prefix (where unused budget goes). It also ends the binding work of the sources
    /// that find their candidates one by one.
    /// </summary>
    private const int MinimumPieceTokens = 16;

    /// <param name="cursorPiecesAboveCursorLine">
    /// False for a model trained without context above the cursor's line (codeassist.json <c>cursorContext: "beforeFile"</c>):
    /// every piece then goes before the file.
    /// </param>
    public async Task<CompletionContext> BuildAsync(
        DocumentSnapshot document, int offset, int budget, Func<string, int> countTokens, string? workspaceRoot, CancellationToken cancellationToken,
        bool cursorPiecesAboveCursorLine = true)
    {
        var text = document.Text;
        var prefixText = text.ToString(new Microsoft.CodeAnalysis.Text.TextSpan(0, offset));
        var suffixText = text.ToString(new Microsoft.CodeAnalysis.Text.TextSpan(offset, text.Length - offset));
        var lineComment = LineCommentFor(document);

        var prefix = TokenWindow.CutPrefixAboveCursorLine(prefixText, (int)(budget * PrefixShare), countTokens);
        var suffix = TokenWindow.CutSuffix(suffixText, (int)(budget * SuffixShare), countTokens);
        var pieces = new List<ContextPiece>
        {
            new("prefix", "current file", prefix, countTokens(prefix)),
            new("suffix", "current file", suffix, countTokens(suffix)),
        };

        var roslynDocument = workspace.GetDocument(document);
        var request = new ContextRequest(document, offset, roslynDocument, prefix, suffix)
        {
            SemanticModels = workspace.SemanticModels,
            // Decided once per build: while a background warm-up binds the project for the first time, the answer does
            // not wait for it (the sources that need the semantic model give nothing), and the next build after it has them.
            SemanticModelAvailable = roslynDocument is null || !workspace.IsWarmingUp(roslynDocument),
        };
        // Two purses: what goes before the file and the windows never draw on the share kept above the cursor's line.
        ContextPlacement PlacementOf(IContextSource source) => cursorPiecesAboveCursorLine ? source.Placement : ContextPlacement.BeforeFile;
        var aboveCursorLine = request.RoslynDocument is not null && sources.Any(s => PlacementOf(s) == ContextPlacement.AboveCursorLine)
            ? (int)(budget * AboveCursorLineShare) : 0;
        var left = budget - aboveCursorLine - pieces.Sum(p => p.Tokens);
        int Left(IContextSource source) => PlacementOf(source) == ContextPlacement.AboveCursorLine ? aboveCursorLine : left;
        void Spend(IContextSource source, int tokens)
        {
            if (PlacementOf(source) == ContextPlacement.AboveCursorLine)
                aboveCursorLine -= tokens;
            else
                left -= tokens;
        }
        var indentation = prefix[(prefix.LastIndexOf('\n') + 1)..] is var cursorLine ? cursorLine[..(cursorLine.Length - cursorLine.TrimStart().Length)] : "";

        // Sources are listed best first, with priority bands that do not overlap, so packing them one after another
        // packs every candidate in priority order; a source is not even asked once its purse is spent.
        foreach (var source in sources)
        {
            if (Left(source) < MinimumPieceTokens)
                continue;
            cancellationToken.ThrowIfCancellationRequested();
            if (source is IIncrementalContextSource incremental)
            {
                // Each of these candidates costs binding work to find: ask for the next only while one could fit, and
                // not after one did not fit at all (they come best first and alike in size).
                if (Left(source) < incremental.SmallestUsefulPiece(countTokens))
                    continue;
                await foreach (var candidate in incremental.GetOneByOneAsync(request, cancellationToken).ConfigureAwait(false))
                {
                    var packed = Pack(Placed(candidate, PlacementOf(source)), Left(source), pieces, countTokens);
                    Spend(source, packed);
                    if (packed == 0 || Left(source) < Math.Max(MinimumPieceTokens, incremental.SmallestUsefulPiece(countTokens)))
                        break;
                }
                continue;
            }
            foreach (var candidate in (await source.GetAsync(request, cancellationToken).ConfigureAwait(false)).OrderByDescending(c => c.Priority))
            {
                if (Left(source) < MinimumPieceTokens)
                    break;
                Spend(source, Pack(Placed(candidate, PlacementOf(source)), Left(source), pieces, countTokens));
            }
        }

        // Unused budget goes back to the prefix, which helps most (not the share kept above the cursor's line: see there).
        if (left > 0 && prefix.Length < prefixText.Length)
        {
            var grown = TokenWindow.CutPrefixAboveCursorLine(prefixText, pieces[0].Tokens + left, countTokens);
            pieces[0] = pieces[0] with { Text = grown, Tokens = countTokens(grown) };
            prefix = grown;
        }

        return new CompletionContext(prefix, suffix, pieces,
            RelativePath(document.FilePath, workspaceRoot), workspaceRoot is null ? null : Path.GetFileName(workspaceRoot.TrimEnd('/', '\\')),
            lineComment);

        // A piece for above the cursor's line is written as the comment lines it becomes there, indented as that
        // line, so that what is counted and shown is what the model sees.
        ContextCandidate Placed(ContextCandidate candidate, ContextPlacement placement) => placement == ContextPlacement.AboveCursorLine
            ? candidate with { Text = AsCommentLines(candidate.Text, indentation, lineComment), Placement = placement }
            : candidate;
    }

    /// <summary>Each line as a line comment (lines that already are one keep their marker), indented as the cursor's line.</summary>
    internal static string AsCommentLines(string text, string indentation, string lineComment) =>
        string.Join("\n", text.Split('\n').Select(line => line.TrimEnd('\r')).Select(line =>
            indentation + (line.TrimStart().StartsWith(lineComment, StringComparison.Ordinal) ? line.TrimStart() : lineComment + " " + line)));

    /// <summary>Adds the candidate, or as many of its first lines as fit, to the pieces; returns the tokens it took.</summary>
    private static int Pack(ContextCandidate candidate, int left, List<ContextPiece> pieces, Func<string, int> countTokens)
    {
        var pieceText = candidate.Text;
        var tokens = countTokens(pieceText);
        if (tokens > left)
        {
            // A ranked list (members, overloads, an outline) is worth its first lines; dropping it whole wastes it.
            (pieceText, tokens) = FirstLinesThatFit(pieceText, tokens, left, candidate.HeaderLines + 1, countTokens);
            if (pieceText.Length == 0)
                return 0;
        }
        pieces.Add(new ContextPiece(candidate.Kind, candidate.Source, pieceText, tokens) { Placement = candidate.Placement });
        return tokens;
    }

    /// <summary>
    /// The longest run of whole leading lines (at least the header and one entry), no longer than the share of lines
    /// the budget is of the whole, that fits the budget; "" when none does. Binary search over the line count: token
    /// counts grow with every line added, and each count of a long list costs about a millisecond.
    /// </summary>
    private static (string Text, int Tokens) FirstLinesThatFit(string text, int tokens, int budget, int minimumLines, Func<string, int> countTokens)
    {
        var lines = text.Split('\n');
        var keep = Math.Min(lines.Length - 1, (int)((double)budget / Math.Max(1, tokens) * lines.Length) + 1);
        (string Text, int Tokens) best = ("", 0);
        int low = minimumLines, high = keep;
        while (low <= high)
        {
            var middle = high == keep ? high : (low + high + 1) / 2;
            var candidate = string.Join('\n', lines.Take(middle));
            var count = countTokens(candidate);
            if (count <= budget)
            {
                best = (candidate, count);
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }
        return best;
    }

    private static string? RelativePath(string? path, string? root) =>
        path is null ? null : (root is null ? Path.GetFileName(path) : Path.GetRelativePath(root, path)).Replace('\\', '/');

    private static string LineCommentFor(DocumentSnapshot document) => document.LanguageId switch
    {
        "python" or "ruby" or "shellscript" or "yaml" or "toml" or "perl" or "r" or "powershell" or "dockerfile" or "makefile" => "#",
        "lua" or "sql" or "haskell" => "--",
        _ => "//",
    };
}

/// <summary>What a context source gets to look at.</summary>
public sealed record ContextRequest(
    DocumentSnapshot Document, int Offset, Microsoft.CodeAnalysis.Document? RoslynDocument, string PrefixWindow, string SuffixWindow)
{
    private Task<Microsoft.CodeAnalysis.SemanticModel?>? _semanticModel;

    /// <summary>Where the semantic model comes from; without it, the Roslyn document's own (a compilation update per edit).</summary>
    public SemanticModelReuse? SemanticModels { get; init; }

    /// <summary>
    /// False while a background warm-up is binding the document's project for the first time
    /// (<see cref="CodeWorkspace.IsWarmingUp"/>): the request then has no semantic model, and the context is what needs
    /// none (the windows, the syntax's outline, recent documents), so that the first completion does not wait for
    /// Roslyn's first binding (#19).
    /// </summary>
    public bool SemanticModelAvailable { get; init; } = true;

    /// <summary>
    /// The semantic model for nodes of <see cref="RoslynDocument"/> around the cursor, made once per request and shared
    /// by the sources. Inside a method body it may be a speculative model of that method against an earlier
    /// compilation with the same declarations: its symbols' locations point at that compilation's trees, so sources
    /// compare files by path, not by tree.
    /// </summary>
    public Task<Microsoft.CodeAnalysis.SemanticModel?> GetSemanticModelAsync(CancellationToken cancellationToken) =>
        _semanticModel ??= RoslynDocument is not { } document || !SemanticModelAvailable ? Task.FromResult<Microsoft.CodeAnalysis.SemanticModel?>(null)
            : SemanticModels is { } reuse ? reuse.GetAsync(document, Offset, cancellationToken)
            : document.GetSemanticModelAsync(cancellationToken);
}

/// <summary>
/// A piece a source offers; higher priority is packed first. A piece too long for what is left keeps its first lines,
/// but only with at least one line past its <paramref name="HeaderLines"/>: a header alone says nothing.
/// </summary>
public sealed record ContextCandidate(string Kind, string Source, string Text, double Priority, int HeaderLines = 1)
{
    /// <summary>Set by the builder from the source's <see cref="IContextSource.Placement"/>.</summary>
    public ContextPlacement Placement { get; init; }
}

/// <summary>
/// One kind of context (members after a dot, overloads, declarations from other files, recent edits…). The builder
/// packs sources in the order they are listed, so a source's priorities must all lie below those of the sources
/// before it (see <see cref="ContextSources.Default"/>).
/// </summary>
public interface IContextSource
{
    Task<IReadOnlyList<ContextCandidate>> GetAsync(ContextRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// Where this source's pieces go in the prompt: before the file unless they depend on the token at the cursor.
    /// No default, so that a wrapper (the bench's timing) cannot lose it.
    /// </summary>
    ContextPlacement Placement { get; }
}

/// <summary>
/// Where a piece goes in the prompt. A prompt is evaluated from its start, and an engine's prefix cache (llama-server's
/// slot, vLLM's automatic prefix caching, our own <c>KvPrefixCache</c>) keeps only what is unchanged from the start of
/// the previous prompt: what changes with each keystroke must come after what does not.
/// </summary>
public enum ContextPlacement
{
    /// <summary>Other files' context, stable while the user types: before the current file, as the family's repository prompt lays it out.</summary>
    BeforeFile,

    /// <summary>
    /// Context that comes and goes with the token at the cursor (members after a dot, overloads after a parenthesis):
    /// comment lines just above the cursor's line, so everything before that line stays cached when it changes.
    /// </summary>
    AboveCursorLine,
}

/// <summary>
/// A source whose candidates each take real work to find (binding names of the code around the cursor). It offers
/// them best first, one at a time, and the builder stops asking when the budget is spent, so the work for pieces
/// that could not be packed is never done. <see cref="IContextSource.GetAsync"/> still gives all of them.
/// </summary>
public interface IIncrementalContextSource : IContextSource
{
    IAsyncEnumerable<ContextCandidate> GetOneByOneAsync(ContextRequest request, CancellationToken cancellationToken);

    /// <summary>Tokens below which none of this source's pieces could say anything (its header and one entry): it is not asked.</summary>
    int SmallestUsefulPiece(Func<string, int> countTokens);
}
