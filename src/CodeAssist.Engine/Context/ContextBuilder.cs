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

    public async Task<CompletionContext> BuildAsync(DocumentSnapshot document, int offset, int budget, Func<string, int> countTokens, string? workspaceRoot, CancellationToken cancellationToken)
    {
        var text = document.Text;
        var prefixText = text.ToString(new Microsoft.CodeAnalysis.Text.TextSpan(0, offset));
        var suffixText = text.ToString(new Microsoft.CodeAnalysis.Text.TextSpan(offset, text.Length - offset));

        var prefix = TokenWindow.CutPrefix(prefixText, (int)(budget * PrefixShare), countTokens);
        var suffix = TokenWindow.CutSuffix(suffixText, (int)(budget * SuffixShare), countTokens);
        var pieces = new List<ContextPiece>
        {
            new("prefix", "current file", prefix, countTokens(prefix)),
            new("suffix", "current file", suffix, countTokens(suffix)),
        };
        var left = budget - pieces.Sum(p => p.Tokens);

        var request = new ContextRequest(document, offset, workspace.GetDocument(document), prefix, suffix)
        {
            SemanticModels = workspace.SemanticModels,
        };
        var candidates = new List<ContextCandidate>();
        foreach (var source in sources)
        {
            cancellationToken.ThrowIfCancellationRequested();
            candidates.AddRange(await source.GetAsync(request, cancellationToken).ConfigureAwait(false));
        }
        foreach (var candidate in candidates.OrderByDescending(c => c.Priority))
        {
            if (left <= 0)
                break;
            var pieceText = candidate.Text;
            var tokens = countTokens(pieceText);
            if (tokens > left)
            {
                // A ranked list (members, overloads, an outline) is worth its first lines; dropping it whole wastes it.
                pieceText = FirstLinesThatFit(pieceText, left, countTokens);
                if (pieceText.Length == 0)
                    continue;
                tokens = countTokens(pieceText);
            }
            pieces.Add(new ContextPiece(candidate.Kind, candidate.Source, pieceText, tokens));
            left -= tokens;
        }

        // Unused budget goes back to the prefix, which helps most.
        if (left > 0 && prefix.Length < prefixText.Length)
        {
            var grown = TokenWindow.CutPrefix(prefixText, pieces[0].Tokens + left, countTokens);
            pieces[0] = pieces[0] with { Text = grown, Tokens = countTokens(grown) };
            prefix = grown;
        }

        return new CompletionContext(prefix, suffix, pieces,
            RelativePath(document.FilePath, workspaceRoot), workspaceRoot is null ? null : Path.GetFileName(workspaceRoot.TrimEnd('/', '\\')),
            LineCommentFor(document));
    }

    /// <summary>The longest run of whole leading lines (at least two: a header and one entry) within the budget, or "".</summary>
    private static string FirstLinesThatFit(string text, int budget, Func<string, int> countTokens)
    {
        var lines = text.Split('\n');
        var keep = Math.Min(lines.Length - 1, (int)((double)budget / Math.Max(1, countTokens(text)) * lines.Length) + 1);
        while (keep >= 2)
        {
            var candidate = string.Join('\n', lines.Take(keep));
            if (countTokens(candidate) <= budget)
                return candidate;
            keep--;
        }
        return "";
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
public sealed record ContextRequest(DocumentSnapshot Document, int Offset, Microsoft.CodeAnalysis.Document? RoslynDocument, string PrefixWindow, string SuffixWindow)
{
    private Task<Microsoft.CodeAnalysis.SemanticModel?>? _semanticModel;

    /// <summary>Where the semantic model comes from; without it, the Roslyn document's own (a compilation update per edit).</summary>
    public SemanticModelReuse? SemanticModels { get; init; }

    /// <summary>
    /// The semantic model for nodes of <see cref="RoslynDocument"/> around the cursor, made once per request and shared
    /// by the sources. Inside a method body it may be a speculative model of that method against an earlier
    /// compilation with the same declarations: its symbols' locations point at that compilation's trees, so sources
    /// compare files by path, not by tree.
    /// </summary>
    public Task<Microsoft.CodeAnalysis.SemanticModel?> GetSemanticModelAsync(CancellationToken cancellationToken) =>
        _semanticModel ??= RoslynDocument is not { } document ? Task.FromResult<Microsoft.CodeAnalysis.SemanticModel?>(null)
            : SemanticModels is { } reuse ? reuse.GetAsync(document, Offset, cancellationToken)
            : document.GetSemanticModelAsync(cancellationToken);
}

/// <summary>A piece a source offers; higher priority is packed first.</summary>
public sealed record ContextCandidate(string Kind, string Source, string Text, double Priority);

/// <summary>One kind of context (members after a dot, overloads, declarations from other files, recent edits…).</summary>
public interface IContextSource
{
    Task<IReadOnlyList<ContextCandidate>> GetAsync(ContextRequest request, CancellationToken cancellationToken);
}
