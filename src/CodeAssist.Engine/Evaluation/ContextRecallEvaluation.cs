using System.Diagnostics;
using System.Globalization;
using System.Text;
using CodeAssist.Engine.Context;
using CodeAssist.Engine.Documents;
using CodeAssist.Engine.Workspace;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace CodeAssist.Engine.Evaluation;

/// <summary>What `codeassist eval --context-recall` is asked to do.</summary>
public sealed record ContextRecallOptions
{
    /// <summary>Held-out positions with at least one identifier to recall.</summary>
    public int Positions { get; init; } = 200;

    public int Seed { get; init; } = 1;

    /// <summary>Prompt tokens, as <see cref="AssistSettings.ContextBudget"/> (the default budget unless asked otherwise).</summary>
    public int Budget { get; init; } = new AssistSettings().ContextBudget;

    /// <summary>Positions to measure instead of drawing them (file paths relative to the directory): for tests.</summary>
    public IReadOnlyList<HeldOutPosition>? At { get; init; }
}

/// <summary>The measure at one held-out position.</summary>
public sealed record RecallPosition(string File, int Line, string PositionKind, string Removed, IReadOnlyList<RecallTarget> Targets,
    int PromptTokens, int ContextCharacters, double BuildMilliseconds, int BaselineHeld)
{
    public int Held => Targets.Count(t => t.HeldBy is not null);

    /// <summary>Prompt tokens per kind of piece (prefix, suffix, members, declaration…): where the budget went.</summary>
    public IReadOnlyDictionary<string, int> TokensByKind { get; init; } = new Dictionary<string, int>();
}

/// <summary>One identifier to recall: what it names, and the kind of the first piece that holds it (null when none does).</summary>
public sealed record RecallTarget(string Name, string Kind, string? HeldBy);

/// <summary>Context recall over a set of positions, with the Jaccard baseline at equal size and its splits.</summary>
public sealed record ContextRecallReport(string Directory, int Seed, int Budget, int Skipped, IReadOnlyList<RecallPosition> Positions)
{
    public RecallCount Total => Sum(Positions);

    public RecallCount Baseline => new(Positions.Sum(p => p.BaselineHeld), Positions.Sum(p => p.Targets.Count));

    public IReadOnlyDictionary<string, (RecallCount Recall, RecallCount Baseline)> ByPositionKind =>
        Positions.GroupBy(p => p.PositionKind).OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (Sum(g), new RecallCount(g.Sum(p => p.BaselineHeld), g.Sum(p => p.Targets.Count))));

    public IReadOnlyDictionary<string, RecallCount> ByIdentifierKind =>
        Positions.SelectMany(p => p.Targets).GroupBy(t => t.Kind).OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => new RecallCount(g.Count(t => t.HeldBy is not null), g.Count()));

    /// <summary>Which kind of piece held each recalled identifier first: where the budget earns its recall.</summary>
    public IReadOnlyDictionary<string, int> HeldByPieceKind =>
        Positions.SelectMany(p => p.Targets).Where(t => t.HeldBy is not null).GroupBy(t => t.HeldBy!).OrderByDescending(g => g.Count())
            .ToDictionary(g => g.Key, g => g.Count());

    /// <summary>Mean tokens per position of each kind of piece, most first.</summary>
    public IReadOnlyDictionary<string, double> MeanTokensByKind =>
        Positions.SelectMany(p => p.TokensByKind).GroupBy(p => p.Key).OrderByDescending(g => g.Sum(p => p.Value))
            .ToDictionary(g => g.Key, g => (double)g.Sum(p => p.Value) / Math.Max(1, Positions.Count));

    public double MeanPromptTokens => Positions.Count == 0 ? 0 : Positions.Average(p => p.PromptTokens);

    public double MeanContextCharacters => Positions.Count == 0 ? 0 : Positions.Average(p => p.ContextCharacters);

    public double BuildMillisecondsPercentile(double percentile)
    {
        if (Positions.Count == 0)
            return 0;
        var sorted = Positions.Select(p => p.BuildMilliseconds).Order().ToList();
        return sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(percentile * sorted.Count) - 1)];
    }

    private static RecallCount Sum(IEnumerable<RecallPosition> positions) =>
        positions.Aggregate(RecallCount.Zero, (sum, p) => sum + new RecallCount(p.Held, p.Targets.Count));

    /// <summary>The report as the command prints it.</summary>
    public string Describe()
    {
        var text = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        var total = Total;
        var baseline = Baseline;
        text.Append(c, $"context recall {total.Recall:F3} ({total.Held}/{total.Wanted} identifiers at {Positions.Count} positions, ");
        text.Append(c, $"{Skipped} drawn positions had none), ");
        var overBaseline = baseline.Held == 0 ? "-" : (total.Recall / baseline.Recall).ToString("F1", c) + "x";
        text.Append(c, $"Jaccard windows at equal size {baseline.Recall:F3} ({overBaseline}); ");
        text.Append(c, $"budget {Budget} tokens, prompt {MeanPromptTokens:F0} tokens and {MeanContextCharacters:F0} characters of context on average, ");
        text.Append(c, $"context build p50 {BuildMillisecondsPercentile(0.5):F1} ms, p95 {BuildMillisecondsPercentile(0.95):F1} ms\n");
        text.Append("by position kind (recall / Jaccard baseline, identifiers):\n");
        foreach (var (kind, (recall, jaccard)) in ByPositionKind)
            text.Append(c, $"  {kind,-18} {recall.Recall:F3} / {jaccard.Recall:F3}  ({recall.Wanted})\n");
        text.Append("by identifier kind (recall, identifiers):\n");
        foreach (var (kind, recall) in ByIdentifierKind)
            text.Append(c, $"  {kind,-18} {recall.Recall:F3}  ({recall.Wanted})\n");
        text.Append("recalled first by: ").Append(string.Join(", ", HeldByPieceKind.Select(h => $"{h.Key} {h.Value}"))).Append('\n');
        text.Append("mean tokens per position by piece kind: ")
            .Append(string.Join(", ", MeanTokensByKind.Select(t => string.Create(c, $"{t.Key} {t.Value:F0}")))).Append('\n');
        return text.ToString();
    }
}

/// <summary>
/// Runs the context-recall measure over a repository or solution: loads it as the server does, draws held-out
/// positions, and at each one edits the file as a user who typed up to the cut would have it, builds the context with
/// the server's sources and budget, and scores the prompt and the Jaccard-window baseline of the same size.
/// </summary>
public static class ContextRecallEvaluation
{
    /// <summary>
    /// The measure at the positions the options draw or give; <paramref name="sources"/> replaces the server's context
    /// sources (to compare others).
    /// </summary>
    public static async Task<ContextRecallReport> RunAsync(string directory, ContextRecallOptions options, Func<string, int> countTokens,
        Func<DocumentStore, IReadOnlyList<IContextSource>>? sources, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var positions = options.At;
        var root = Path.GetFullPath(directory);
        var projectSystem = SolutionLoader.FindProjectSystem([root]);
        if (projectSystem.Count == 0)
            throw new ArgumentException($"{root} holds no .sln, .slnx or .csproj file; point --context-recall at a repository or solution folder");
        var documents = new DocumentStore();
        using var workspace = new CodeWorkspace();
        documents.Changed += workspace.Update;
        documents.Closed += uri => workspace.Close(uri.LocalPath);
        var builder = new ContextBuilder(workspace, (sources ?? ContextSources.Default)(documents));

        progress?.Report($"loading {string.Join(", ", projectSystem)}");
        var load = await workspace.LoadProjectsAsync(projectSystem, null, cancellationToken).ConfigureAwait(false);
        if (load.Solution is null)
            throw new ArgumentException($"{string.Join(", ", projectSystem)} did not load: {string.Join("; ", load.Warnings.Take(3))}");
        await workspace.Warming.ConfigureAwait(false);

        // One snapshot of the solution as it is on disk: positions are drawn from it, and it binds what each removed
        // identifier names, so the edits made during the run never change either.
        var original = workspace.CurrentSolution;
        var files = await SourceFilesAsync(original, root, cancellationToken).ConfigureAwait(false);
        if (files.Count == 0)
            throw new ArgumentException($"{root} has no C# source files in its projects");
        var byPath = files.ToDictionary(f => f.Path, f => f.Document, StringComparer.Ordinal);
        var texts = files.Select(f => (f.Path, f.Text)).ToList();

        var measuredPositions = new List<RecallPosition>();
        var skipped = 0;
        var version = 1;
        var limit = positions?.Count ?? options.Positions;
        foreach (var position in positions?.Select(p => p with { FilePath = Path.Combine(root, p.FilePath) }) ?? HeldOutPosition.Draw(texts, options.Seed))
        {
            if (measuredPositions.Count >= limit || skipped > 20 * Math.Max(1, limit))
                break;
            cancellationToken.ThrowIfCancellationRequested();
            var document = byPath[position.FilePath];
            var originalRoot = (await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false))!;
            var originalText = await document.GetTextAsync(cancellationToken).ConfigureAwait(false);
            var edited = originalText.WithChanges(new TextChange(TextSpan.FromBounds(position.Cut, position.End), ""));
            var targets = ContextRecall.Targets(originalRoot, position.Cut, position.End, edited.ToString());
            if (targets.Count == 0)
            {
                skipped++;
                continue;
            }
            var model = (await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false))!;
            var kinds = targets.Select(t => HeldOutPosition.IdentifierKind(model, t, cancellationToken)).ToList();

            var measured = await MeasureAsync(documents, builder, position, originalText, options.Budget, countTokens, root, version, cancellationToken)
                .ConfigureAwait(false);
            version += 2;
            var names = targets.Select(t => t.ValueText).ToList();
            var heldBy = names.Select(n => measured.Pieces.FirstOrDefault(p => p.Words.Contains(n)).Kind).ToList();

            var others = files.Where(f => f.Path != position.FilePath).Select(f => (RelativePath(root, f.Path), f.Text));
            var windows = SimilarWindows.Best(others, SimilarWindows.QueryAt(measured.EditedText, position.Cut), measured.ContextCharacters);
            var baselineWords = ContextRecall.Words(string.Join("\n", windows.Select(w => w.Path + "\n" + w.Text)));
            var baselineHeld = names.Count(baselineWords.Contains);

            measuredPositions.Add(new RecallPosition(RelativePath(root, position.FilePath), position.Line + 1, measured.PositionKind,
                originalText.ToString(TextSpan.FromBounds(position.Cut, position.End)),
                [.. names.Select((n, i) => new RecallTarget(n, kinds[i], heldBy[i]))],
                measured.PromptTokens, measured.ContextCharacters, measured.Milliseconds, baselineHeld)
            {
                TokensByKind = measured.TokensByKind,
            });
            if (measuredPositions.Count % 25 == 0)
                progress?.Report($"{measuredPositions.Count}/{limit} positions");
        }
        return new ContextRecallReport(root, options.Seed, options.Budget, skipped, measuredPositions);
    }

    private sealed record Measured(
        string PositionKind, SourceText EditedText, IReadOnlyList<(string Kind, HashSet<string> Words)> Pieces, int PromptTokens, int ContextCharacters,
        double Milliseconds)
    {
        public IReadOnlyDictionary<string, int> TokensByKind { get; init; } = new Dictionary<string, int>();
    }

    /// <summary>
    /// Opens the file, deletes the removed text as an edit (so Roslyn sees a keystroke, not a new file), builds the context,
    /// closes the file.
    /// </summary>
    private static async Task<Measured> MeasureAsync(
        DocumentStore documents, ContextBuilder builder, HeldOutPosition position, SourceText originalText, int budget,
        Func<string, int> countTokens, string root, int version, CancellationToken cancellationToken)
    {
        var uri = new Uri(position.FilePath);
        documents.Open(uri, "csharp", version, originalText.ToString());
        try
        {
            var start = originalText.Lines.GetLinePosition(position.Cut);
            var end = originalText.Lines.GetLinePosition(position.End);
            var snapshot = documents.Change(uri, version + 1, [new DocumentEdit((start.Line, start.Character), (end.Line, end.Character), "")]);
            var clock = Stopwatch.StartNew();
            var context = await builder.BuildAsync(snapshot, position.Cut, budget, countTokens, root, cancellationToken).ConfigureAwait(false);
            var milliseconds = clock.Elapsed.TotalMilliseconds;
            var tree = await Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText(snapshot.Text, cancellationToken: cancellationToken)
                .GetRootAsync(cancellationToken).ConfigureAwait(false);
            var extra = context.Pieces.Where(p => p.Kind is not ("prefix" or "suffix")).ToList();
            return new Measured(HeldOutPosition.KindAt(tree, position.Cut), snapshot.Text,
                [.. context.Pieces.Select(p => (p.Kind, ContextRecall.Words(p.Source + "\n" + p.Text)))],
                context.Pieces.Sum(p => p.Tokens), extra.Sum(p => p.Text.Length), milliseconds)
            {
                TokensByKind = context.Pieces.GroupBy(p => p.Kind).ToDictionary(g => g.Key, g => g.Sum(p => p.Tokens)),
            };
        }
        finally
        {
            documents.Close(uri);
        }
    }

    private sealed record SourceFile(string Path, Document Document, SourceText Text);

    /// <summary>The C# files of the solution's projects under the root, without generated ones, in path order.</summary>
    private static async Task<List<SourceFile>> SourceFilesAsync(Solution solution, string root, CancellationToken cancellationToken)
    {
        var files = new Dictionary<string, SourceFile>(StringComparer.Ordinal);
        foreach (var project in solution.Projects.Where(p => p.Language == LanguageNames.CSharp))
        {
            foreach (var document in project.Documents)
            {
                if (document.FilePath is not { } path || !path.StartsWith(root, StringComparison.Ordinal) || files.ContainsKey(path)
                    || path.Contains("/obj/", StringComparison.Ordinal) || path.Contains("/bin/", StringComparison.Ordinal)
                    || path.EndsWith(".g.cs", StringComparison.Ordinal))
                {
                    continue;
                }
                files[path] = new SourceFile(path, document, await document.GetTextAsync(cancellationToken).ConfigureAwait(false));
            }
        }
        return [.. files.Values.OrderBy(f => f.Path, StringComparer.Ordinal)];
    }

    private static string RelativePath(string root, string path) => Path.GetRelativePath(root, path).Replace('\\', '/');
}
