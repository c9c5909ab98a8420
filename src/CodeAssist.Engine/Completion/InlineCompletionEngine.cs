using System.Collections.Concurrent;
using CodeAssist.Engine.Completion.PostProcessing;
using CodeAssist.Engine.Context;
using CodeAssist.Engine.Documents;
using CodeAssist.Engine.Hosting;
using CodeAssist.Engine.Models;
using CodeAssist.Inference;
using CodeAssist.Inference.Generation;

namespace CodeAssist.Engine.Completion;

/// <summary>
/// From a cursor position to cleaned suggestions: the type-through cache first, then context, the model and the
/// post-processing rules. A newer request for the same document cancels the older one and its generation at once.
/// </summary>
public sealed class InlineCompletionEngine(
    DocumentStore documents,
    ContextBuilder contextBuilder,
    ModelHost models,
    Func<AssistSettings> settings,
    Func<string?> workspaceRoot,
    SuggestionCompilerCheck? compilerCheck = null)
{
    private readonly ConcurrentDictionary<Uri, CancellationTokenSource> _inFlight = new();
    private int _nextId;

    public TypeThroughCache Cache { get; } = new();
    public CompletionStats Stats { get; } = new();

    /// <summary>The compiler check of C# suggestions, when the host gave one (its <c>Checked</c> event times each check).</summary>
    public SuggestionCompilerCheck? CompilerCheck => compilerCheck;

    /// <summary>Raised around model work so status UIs can show "generating".</summary>
    public event Action<bool>? Generating;

    public async Task<InlineCompletionResult> CompleteAsync(InlineCompletionQuery query, CancellationToken cancellationToken)
    {
        Stats.Requested();
        var current = settings();
        if (!current.Enable)
            return InlineCompletionResult.Empty;
        var document = documents.TryGet(query.Uri) ?? throw new BadRequestException($"{query.Uri} is not open; send textDocument/didOpen first");
        if (query.Version is { } version && version != document.Version)
        {
            // Superseded before it started: the document moved on, and an answer for the old version would be wrong.
            Stats.Cancelled();
            return InlineCompletionResult.Empty;
        }
        var offset = query.Offset;
        if (offset < 0 || offset > document.Text.Length)
            throw new BadRequestException($"offset {offset} is outside {query.Uri} (0 to {document.Text.Length})");
        if (document.Text.Length > DocumentStore.MaxCompletableLength)
            return InlineCompletionResult.Empty;

        // With an IntelliSense item selected, the suggestion continues the document as if that item were accepted,
        // and the answer replaces the item's range with the item's text plus the continuation.
        var (effective, cursor, replaceStart, lead) = query.Selected is { } selected
            ? WithSelectedItem(document, offset, selected)
            : (document, offset, offset, "");

        var limit = query.Trigger == CompletionTrigger.Invoked ? current.Candidates : 1;
        var cached = Cache.Lookup(effective, cursor);
        if (cached.Count > 0)
        {
            Stats.CacheHit();
            return Answer(document, replaceStart, ReplaceEnd(query, offset), [.. cached.Select(c => lead + c)], limit);
        }

        using var request = SupersedeEarlierRequest(query.Uri, cancellationToken);
        try
        {
            var model = await models.WhenLoadedAsync(request.Token).ConfigureAwait(false);
            // A model that learned C# only answers C# in a Python file: it is offered only the languages it knows.
            if (model is null || !model.Languages.Includes(document.LanguageId))
                return InlineCompletionResult.Empty;
            var suggestions = await GenerateAsync(model, effective, cursor, query, current, request.Token).ConfigureAwait(false);
            Cache.Remember(effective, cursor, suggestions);
            // The user typed on while the model ran: text for the old version would land in the wrong place.
            if (documents.TryGet(query.Uri)?.Version != document.Version)
            {
                Stats.Cancelled();
                return InlineCompletionResult.Empty;
            }
            if (suggestions.Count > 0)
                StartupTimeline.Mark(StartupTimeline.FirstCompletion);
            return Answer(document, replaceStart, ReplaceEnd(query, offset), [.. suggestions.Select(s => lead + s)], suggestions.Count);
        }
        catch (OperationCanceledException)
        {
            Stats.Cancelled();
            throw;
        }
        catch (InferenceUnavailableException)
        {
            // A team server that is down or refusing: the status shows why (ITextGenerator.Problem), the editor
            // gets no suggestion, and the next keystroke tries again.
            return InlineCompletionResult.Empty;
        }
        finally
        {
            _inFlight.TryRemove(new KeyValuePair<Uri, CancellationTokenSource>(query.Uri, request));
        }
    }

    private async Task<IReadOnlyList<string>> GenerateAsync(
        ITextGenerator model, DocumentSnapshot document, int offset, InlineCompletionQuery query, AssistSettings current,
        CancellationToken cancellationToken)
    {
        var plan = await CompletionPlan.BuildAsync(contextBuilder, model, document, offset, current, workspaceRoot(), cancellationToken).ConfigureAwait(false);
        StartupTimeline.Mark(StartupTimeline.FirstContext);
        var wanted = query.Trigger == CompletionTrigger.Invoked ? Math.Max(1, current.Candidates) : 1;
        var suggestions = new List<string>();
        Generating?.Invoke(true);
        try
        {
            var request = plan.Request(current);
            var dropped = 0;
            var generationStarted = DateTimeOffset.UtcNow;
            var results = await model.GenerateCandidatesAsync(request, wanted, cancellationToken).ConfigureAwait(false);
            if (results.Count > 0)
                StartupTimeline.Mark(StartupTimeline.FirstToken, generationStarted + results[0].TimeToFirstToken);
            foreach (var result in results)
                dropped += await AddCheckedAsync(result) ? 0 : 1;
            if (dropped > 0 && suggestions.Count < wanted)
            {
                // The next candidate replaces what the compiler refused: one more sampled generation per request at most.
                var replacement = await model.GenerateAsync(request with { Sampling = new Sampling(Seed: wanted) }, cancellationToken).ConfigureAwait(false);
                await AddCheckedAsync(replacement).ConfigureAwait(false);
            }
        }
        finally
        {
            Generating?.Invoke(false);
        }
        return suggestions;

        // Post-processes a candidate and, for C#, checks it with the compiler; false when the compiler dropped it.
        async Task<bool> AddCheckedAsync(GenerationResult result)
        {
            Stats.Generated();
            var text = SuggestionPostProcessor.Process(result.Text, document, offset, current.Multiline, cancellationToken);
            var kept = true;
            if (text is not null && compilerCheck is not null && current.CompilerCheck)
            {
                var verdict = await compilerCheck.CheckAsync(document, offset, text, cancellationToken).ConfigureAwait(false);
                text = verdict.Text;
                if (verdict.Verdict == CompilerVerdict.Cut)
                    Stats.CompilerCut();
                if (verdict.Verdict == CompilerVerdict.Dropped)
                {
                    Stats.CompilerDropped();
                    kept = false;
                }
            }
            if (text is not null && !suggestions.Contains(text))
                suggestions.Add(text);
            return kept;
        }
    }

    private static int ReplaceEnd(InlineCompletionQuery query, int offset) => query.Selected is { } selected ? Math.Max(offset, selected.EndOffset) : offset;

    /// <summary>The document as if the selected completion item were inserted, and where the answer's range starts.</summary>
    private static (DocumentSnapshot Document, int Cursor, int ReplaceStart, string Lead) WithSelectedItem(
        DocumentSnapshot document, int offset, SelectedCompletion selected)
    {
        var start = Math.Clamp(selected.StartOffset, 0, document.Text.Length);
        var end = Math.Clamp(selected.EndOffset, start, document.Text.Length);
        var text = document.Text.WithChanges(
            new Microsoft.CodeAnalysis.Text.TextChange(Microsoft.CodeAnalysis.Text.TextSpan.FromBounds(start, end), selected.Text));
        return (document with { Text = text }, start + selected.Text.Length, start, selected.Text);
    }

    private CancellationTokenSource SupersedeEarlierRequest(Uri uri, CancellationToken cancellationToken)
    {
        var request = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _inFlight.AddOrUpdate(uri, request, (_, earlier) =>
        {
            try
            {
                earlier.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The earlier request finished while this one arrived.
            }
            return request;
        });
        return request;
    }

    private InlineCompletionResult Answer(DocumentSnapshot document, int start, int end, IReadOnlyList<string> texts, int limit) =>
        new([.. texts.Take(limit).Select(t => new InlineSuggestion($"c{Interlocked.Increment(ref _nextId)}", t, start, end, document.Version))], document);
}
