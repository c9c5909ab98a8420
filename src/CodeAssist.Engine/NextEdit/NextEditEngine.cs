using CodeAssist.Engine.Context;
using CodeAssist.Engine.Documents;
using CodeAssist.Engine.Models;
using CodeAssist.Engine.Workspace;
using CodeAssist.Inference;
using CodeAssist.Inference.Generation;
using CodeAssist.Inference.Prompts;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace CodeAssist.Engine.NextEdit;

/// <summary>
/// A validated next edit: replace <see cref="Span"/> of <see cref="FilePath"/>'s <see cref="Text"/> (the text the
/// suggestion was computed on) with <see cref="NewText"/>, for <see cref="Reason"/>.
/// </summary>
public sealed record NextEditSuggestion(string Id, string FilePath, SourceText Text, TextSpan Span, string NewText, string Reason, NextEditLocationKind Kind);

/// <summary>What a next-edit request found: the suggestions (best first) and the locations considered.</summary>
public sealed record NextEditResult(IReadOnlyList<NextEditSuggestion> Suggestions, IReadOnlyList<NextEditLocation> Locations)
{
    public static readonly NextEditResult Empty = new([], []);
}

/// <summary>
/// Next-edit suggestions: where from the compiler (<see cref="NextEditLocator"/>), what from the model (the model's
/// <see cref="NextEditFormat"/> over the region around each location, with the recent edits as unified diffs and the
/// Roslyn context of the place), and shown only when <see cref="NextEditValidator"/> passes it on a fork. For a
/// similar line, the last edit's change repeated is the fallback when the model's edit does not pass.
/// </summary>
public sealed class NextEditEngine(
    DocumentStore documents, CodeWorkspace workspace, ContextBuilder contextBuilder, ModelHost models, Func<AssistSettings> settings,
    Func<string?> workspaceRoot, Action<string>? debug = null)
{
    /// <summary>Locations the model is asked about per request, at most: each one costs a generation.</summary>
    public const int LocationsTried = 3;

    /// <summary>A region is the statement or member around the location when it has at most this many lines, else the location's lines.</summary>
    public const int MaxRegionLines = 8;

    /// <summary>
    /// How long the user's edits pause before <see cref="Prepare"/> starts the location search (half the clients' default
    /// debounce of 150 ms): a keystroke within it cancels the search before it starts, so a burst of typing does not pay
    /// for a search per key, and the request the client sends once its debounce has passed finds it under way or done.
    /// </summary>
    public static readonly TimeSpan PreparationDelay = TimeSpan.FromMilliseconds(75);

    private int _nextId;
    private NextEditSuggestion? _latest;
    private readonly Lock _preparationGate = new();
    private CancellationTokenSource? _preparation;
    private long _preparedSequence;
    private bool _preparesAfterEdits;

    /// <summary>The location search, keeping what its requests share (see <see cref="NextEditLocator"/>).</summary>
    public NextEditLocator Locator { get; } = new(() => workspace.WarmedSolution);

    public EditHistory History { get; } = new();
    public NextEditStats Stats { get; } = new();

    /// <summary>Raised after each generation (the engine's generation counter follows it).</summary>
    public event Action? Generated;

    /// <summary>Raised around model work so status UIs can show "generating".</summary>
    public event Action<bool>? Generating;

    /// <summary>
    /// Whether <see cref="Prepare"/> searches after each edit: off until a client asks for next edits (a client that
    /// never asks pays nothing); turning it off cancels a search under way.
    /// </summary>
    public bool PreparesAfterEdits
    {
        get => Volatile.Read(ref _preparesAfterEdits);
        set
        {
            Volatile.Write(ref _preparesAfterEdits, value);
            if (!value)
            {
                lock (_preparationGate)
                    _preparation?.Cancel();
            }
        }
    }

    /// <summary>The search <see cref="Prepare"/> started last (completed when none, or when it ended or was cancelled).</summary>
    public Task Preparing { get; private set; } = Task.CompletedTask;

    /// <summary>
    /// After each edit (a didChange, once the history and the workspace have it), the location search for the edits as
    /// they now are starts in the background after <see cref="PreparationDelay"/>; the next edit cancels it. The search
    /// keeps what it compiles with its solution (<see cref="CompilerResults"/>: each document's errors in the members
    /// compared, the references of each changed declaration), so the request the client sends after its debounce, on
    /// the same solution, finds them computed or joins their computation, and the validation finds the errors of the
    /// member it edits. Nothing else is kept: the request's answer is the one it would compute alone.
    /// </summary>
    public void Prepare(DocumentSnapshot document)
    {
        if (!document.IsCSharp || !PreparesAfterEdits || !settings().Enable || History.Last is not { } last)
            return;
        CancellationTokenSource source;
        lock (_preparationGate)
        {
            if (last.Sequence == _preparedSequence)
                return;
            _preparedSequence = last.Sequence;
            _preparation?.Cancel();
            _preparation = source = new CancellationTokenSource();
        }
        var solution = workspace.CurrentSolution;
        var edited = History.Edited();
        Preparing = Task.Run(async () =>
        {
            try
            {
                await Task.Delay(PreparationDelay, source.Token).ConfigureAwait(false);
                await Locator.LocateAsync(solution, edited, last.FilePath, last.NewSpan.End, null, source.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (source.IsCancellationRequested)
            {
                // The next edit came: its own search replaces this one.
            }
            catch (Exception e)
            {
                // The request searches again and reports what fails; the background only logs it.
                debug?.Invoke($"next edit: the search prepared after an edit failed: {e.Message}");
            }
        }, CancellationToken.None);
    }

    /// <summary>The locations alone (no model): what the bench times and the tests pin.</summary>
    public Task<IReadOnlyList<NextEditLocation>> LocateAsync(
        DocumentSnapshot document, int offset, LocateTimings? timings, CancellationToken cancellationToken) =>
        Locator.LocateAsync(workspace.CurrentSolution, History.Edited(), document.FilePath, offset, timings, cancellationToken);

    /// <summary>
    /// The latest suggestion made, when it edits <paramref name="document"/> and was computed on exactly its text (any
    /// later edit makes it stale): what inline completion shows on the cursor's line without generating.
    /// </summary>
    public NextEditSuggestion? LatestFor(DocumentSnapshot document) =>
        Volatile.Read(ref _latest) is { } latest && latest.FilePath == document.FilePath && latest.Text.ContentEquals(document.Text) ? latest : null;

    public async Task<NextEditResult> SuggestAsync(DocumentSnapshot document, int offset, CancellationToken cancellationToken)
    {
        Stats.Requested();
        var current = settings();
        if (!current.Enable)
            return NextEditResult.Empty;
        var solution = workspace.CurrentSolution;
        var edited = History.Edited();
        var locations = await Locator.LocateAsync(solution, edited, document.FilePath, offset, null, cancellationToken).ConfigureAwait(false);
        if (locations.Count == 0)
            return NextEditResult.Empty;
        var model = await models.WhenLoadedAsync(cancellationToken).ConfigureAwait(false);
        if (model is null)
            return new NextEditResult([], locations);

        foreach (var location in locations.Take(LocationsTried))
        {
            if (solution.GetDocumentIdsWithFilePath(location.FilePath).FirstOrDefault() is not { } id)
                continue;
            var target = solution.GetDocument(id)!;
            var text = await target.GetTextAsync(cancellationToken).ConfigureAwait(false);
            var root = await target.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            var region = RegionAround(root, text, location.Span);
            var snapshot = documents.All.FirstOrDefault(d => d.FilePath == location.FilePath && d.Text.ContentEquals(text))
                ?? new DocumentSnapshot(new Uri(location.FilePath), location.FilePath, "csharp", 0, text);
            var request = await FittedRequestAsync(model, snapshot, region, location, edited, current, cancellationToken).ConfigureAwait(false);
            var proposals = new List<string?>
            {
                request is null ? null : await GenerateAsync(model, request, current, cancellationToken).ConfigureAwait(false),
            };
            if (location.RepeatedText is { } repeated)
            {
                proposals.Add(text.ToString(TextSpan.FromBounds(region.Start, location.Span.Start))
                    + repeated
                    + text.ToString(TextSpan.FromBounds(location.Span.End, region.End)));
            }
            var where = $"{Path.GetFileName(location.FilePath)}({text.Lines.GetLineFromPosition(location.Span.Start).LineNumber + 1}), {location.Reason}";
            foreach (var proposal in proposals)
            {
                if (proposal is null || MinimalChange(text, region, proposal) is not { } change)
                {
                    debug?.Invoke($"next edit at {where}: the model changed nothing there");
                    continue;
                }
                if (!await NextEditValidator.ValidateAsync(solution, id, change, location, cancellationToken).ConfigureAwait(false))
                {
                    // The proposal's text stays out of the log: it is the user's code.
                    var why = location.TargetDiagnostics.Count > 0 ? "did not remove the error or added one" : "added an error";
                    debug?.Invoke($"next edit at {where} ({location.Kind}) dropped: it {why}");
                    Stats.Dropped();
                    continue;
                }
                Stats.Shown();
                var suggestion = new NextEditSuggestion(
                    $"ne{Interlocked.Increment(ref _nextId)}", location.FilePath, text, change.Span, change.NewText!, location.Reason, location.Kind);
                Volatile.Write(ref _latest, suggestion);
                return new NextEditResult([suggestion], locations);
            }
        }
        return new NextEditResult([], locations);
    }

    /// <summary>
    /// The editable region for a location: whole lines of the statement or member around it when it is short, else
    /// of the location itself; the line break after the last line included.
    /// </summary>
    public static TextSpan RegionAround(SyntaxNode? root, SourceText text, TextSpan span)
    {
        var first = text.Lines.GetLineFromPosition(span.Start).LineNumber;
        var last = text.Lines.GetLineFromPosition(span.End).LineNumber;
        var enclosing = root?.FindNode(span, getInnermostNodeForTie: true).AncestorsAndSelf()
            .FirstOrDefault(n => n is StatementSyntax and not BlockSyntax
                || n is MemberDeclarationSyntax and not BaseTypeDeclarationSyntax and not BaseNamespaceDeclarationSyntax);
        if (enclosing is not null)
        {
            var lines = text.Lines.GetLinePositionSpan(enclosing.Span);
            if (lines.End.Line - lines.Start.Line < MaxRegionLines)
                (first, last) = (Math.Min(first, lines.Start.Line), Math.Max(last, lines.End.Line));
        }
        return TextSpan.FromBounds(text.Lines[first].Start, text.Lines[last].EndIncludingLineBreak);
    }

    /// <summary>
    /// The request within the model's window: built at the context budget the reply leaves, then, when the format's
    /// markers, the instruction and the diffs make the prompt too long still, again with that much less (as
    /// <see cref="Completion.CompletionPlan"/> does); null when even then the region does not fit (the location is skipped).
    /// </summary>
    private async Task<NextEditRequest?> FittedRequestAsync(
        ITextGenerator model, DocumentSnapshot snapshot, TextSpan region, NextEditLocation location, IReadOnlyList<EditedDocument> edited,
        AssistSettings current, CancellationToken cancellationToken)
    {
        var maxNew = MaxNewTokens(model, snapshot.Text.ToString(region), current);
        var budget = Math.Min(current.ContextBudget, model.Window - maxNew - 16);
        for (var attempt = 0; attempt < 2 && budget > 0; attempt++)
        {
            var request = await RequestAsync(model, snapshot, region, location, edited, budget, cancellationToken).ConfigureAwait(false);
            var excess = model.CountTokens(model.Format.NextEdit.Build(request, model.Format)) + maxNew - model.Window;
            if (excess <= 0)
                return request;
            budget -= excess + 16;
        }
        debug?.Invoke(
            $"next edit at {Path.GetFileName(location.FilePath)}: the region and the edits do not fit {model.Name}'s window of {model.Window} tokens");
        return null;
    }

    private async Task<NextEditRequest> RequestAsync(
        ITextGenerator model, DocumentSnapshot snapshot, TextSpan region, NextEditLocation location, IReadOnlyList<EditedDocument> edited,
        int budget, CancellationToken cancellationToken)
    {
        var regionText = snapshot.Text.ToString(region);
        // The latest edits first, as many as a quarter of the budget holds; the rest goes to the context.
        var diffs = new List<EditDiff>();
        var diffTokens = 0;
        foreach (var document in edited.Where(d => d.FilePath is not null))
        {
            var diff = new EditDiff(RelativePath(document.FilePath!), UnifiedDiff.Of(RelativePath(document.FilePath!), document.Baseline, document.Current));
            var tokens = model.CountTokens(diff.Unified);
            if (diffTokens + tokens > budget / 4)
                break;
            diffTokens += tokens;
            diffs.Insert(0, diff);
        }
        budget = Math.Max(1, budget - diffTokens);
        // The context at the region's start: the text before it, the text from it on (the region cut off below), and
        // what the compiler knows there (the changed signature, declarations used nearby).
        var context = await contextBuilder.BuildAsync(
            snapshot, region.Start, budget, model.CountTokens, workspaceRoot(), cancellationToken, model.CursorContextAboveCursorLine).ConfigureAwait(false);
        var after = context.Suffix.StartsWith(regionText, StringComparison.Ordinal) ? context.Suffix[regionText.Length..] : "";
        return new NextEditRequest(
            context.RelativePath ?? Path.GetFileName(location.FilePath), context.Prefix, regionText, after, location.Span.Start - region.Start)
        {
            StartsFile = context.Prefix.Length == region.Start,
            RegionStartLine = snapshot.Text.Lines.GetLineFromPosition(region.Start).LineNumber + 1,
            RecentEdits = diffs,
            ContextFiles = context.ToFimRequest().ContextFiles,
        };
    }

    private string RelativePath(string path) =>
        (workspaceRoot() is { } root && !Path.GetRelativePath(root, path).StartsWith("..", StringComparison.Ordinal)
            ? Path.GetRelativePath(root, path)
            : Path.GetFileName(path)).Replace('\\', '/');

    /// <summary>The region rewritten plus room for what the edit adds, at most half the window (the prompt needs the rest).</summary>
    private static int MaxNewTokens(ITextGenerator model, string region, AssistSettings current) =>
        Math.Min(model.Window / 2, model.CountTokens(region) + current.MaxTokens);

    private async Task<string?> GenerateAsync(ITextGenerator model, NextEditRequest request, AssistSettings current, CancellationToken cancellationToken)
    {
        var format = model.Format.NextEdit;
        var generation = new GenerationRequest(format.Build(request, model.Format), MaxNewTokens(model, request.Region, current))
        {
            Deadline = current.GenerationDeadline,
            StopStrings = format.StopStrings,
        };
        Generating?.Invoke(true);
        try
        {
            var result = await model.GenerateAsync(generation, cancellationToken).ConfigureAwait(false);
            Generated?.Invoke();
            var region = format.ParseRegion(result.Text, request);
            if (region is null)
            {
                debug?.Invoke($"next edit: the reply does not have the {format.Id} format's shape");
                Stats.Dropped();
            }
            return region;
        }
        finally
        {
            Generating?.Invoke(false);
        }
    }

    /// <summary>The smallest change that turns the region into the proposal (common start and end cut off); null when it changes nothing.</summary>
    internal static TextChange? MinimalChange(SourceText text, TextSpan region, string proposal)
    {
        var original = text.ToString(region);
        if (original.EndsWith('\n') && !proposal.EndsWith('\n'))
            proposal += "\n";
        if (proposal == original)
            return null;
        var start = 0;
        while (start < original.Length && start < proposal.Length && original[start] == proposal[start])
            start++;
        var end = 0;
        while (end < original.Length - start && end < proposal.Length - start && original[^(end + 1)] == proposal[^(end + 1)])
            end++;
        return new TextChange(new TextSpan(region.Start + start, original.Length - start - end), proposal[start..^end]);
    }
}
