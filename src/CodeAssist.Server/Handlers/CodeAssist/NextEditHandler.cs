using CodeAssist.Engine.Documents;
using CodeAssist.Engine.NextEdit;
using CodeAssist.Server.Protocol;
using Microsoft.CodeAnalysis.Text;

namespace CodeAssist.Server.Handlers.CodeAssist;

/// <summary>
/// codeAssist/nextEdit: after the user's edits, the next edit the compiler says is needed, its text from the model,
/// validated on a fork (modelled on Copilot's textDocument/copilotInlineEdit). Pinned to the version the client has;
/// an edit on the cursor's line comes back as inline completion items too.
/// </summary>
internal sealed class NextEditHandler(ServerState state) : IConcurrentRequestHandler<NextEditParams, NextEditHandler.Query?, NextEditResponse>
{
    private static readonly NextEditResponse None = new([], null, []);

    /// <summary>The document as the request saw it and the cursor in it.</summary>
    internal sealed record Query(DocumentSnapshot Document, int Offset, bool IncludeLocations);

    public Query? Snapshot(NextEditParams parameters)
    {
        if (parameters.TextDocument?.Uri is null || parameters.Position is null)
            throw RequestErrors.InvalidParams("codeAssist/nextEdit needs textDocument.uri and position");
        var document = state.Engine.Documents.TryGet(parameters.TextDocument.Uri)
            ?? throw RequestErrors.InvalidParams($"{parameters.TextDocument.Uri} is not open");
        if (parameters.Version is { } version && version != document.Version)
            return null;
        var offset = document.OffsetOf(parameters.Position.Line, parameters.Position.Character)
            ?? throw RequestErrors.InvalidParams($"position {parameters.Position.Line}:{parameters.Position.Character} is outside the document");
        return new Query(document, offset, parameters.IncludeLocations);
    }

    public async Task<NextEditResponse> HandleAsync(Query? query, CancellationToken cancellationToken)
    {
        if (query is null)
            return None;
        var engine = state.Engine;
        // The client asks for next edits: from now on each edit starts the search before the client's next request.
        engine.NextEdits.PreparesAfterEdits = true;
        var result = await engine.NextEdits.SuggestAsync(query.Document, query.Offset, cancellationToken).ConfigureAwait(false);
        // The user typed on while it ran: an edit computed on the old text would land in the wrong place.
        var locations = query.IncludeLocations ? await LocationsAsync(result.Locations, cancellationToken).ConfigureAwait(false) : null;
        if (result.Suggestions.Count == 0 || engine.Documents.TryGet(query.Document.Uri)?.Version != query.Document.Version)
            return None with { Locations = locations };
        var edits = new List<NextEditItem>();
        var inline = new List<InlineCompletionItem>();
        var command = AcceptCommand(result.Suggestions[0]);
        foreach (var suggestion in result.Suggestions)
        {
            var open = engine.Documents.All.FirstOrDefault(d => d.FilePath == suggestion.FilePath && d.Text.ContentEquals(suggestion.Text));
            // A Uri made from a path serializes as the path; clients need the file: URI.
            var uri = open?.Uri ?? new Uri(new Uri(suggestion.FilePath).AbsoluteUri);
            edits.Add(new NextEditItem(
                new OptionalVersionedTextDocumentIdentifier(uri, open?.Version), RangeOf(suggestion.Text, suggestion.Span),
                suggestion.NewText, suggestion.Reason));
            if (open?.Uri == query.Document.Uri && OnCursorLine(query.Document.Text, query.Offset, suggestion) is { } item)
                inline.Add(item with { Command = command });
        }
        return new NextEditResponse([.. edits], command, [.. inline]) { Locations = locations };
    }

    private async Task<NextEditLocationInfo[]> LocationsAsync(IReadOnlyList<NextEditLocation> locations, CancellationToken cancellationToken)
    {
        var solution = state.Engine.Workspace.CurrentSolution;
        var infos = new List<NextEditLocationInfo>();
        foreach (var location in locations)
        {
            if (solution.GetDocumentIdsWithFilePath(location.FilePath).FirstOrDefault() is not { } id)
                continue;
            var text = await solution.GetDocument(id)!.GetTextAsync(cancellationToken).ConfigureAwait(false);
            var kind = location.Kind switch
            {
                NextEditLocationKind.IntroducedDiagnostic => "diagnostic",
                NextEditLocationKind.Reference => "reference",
                _ => "similarLine",
            };
            infos.Add(new NextEditLocationInfo(
                new TextDocumentIdentifier(new Uri(new Uri(location.FilePath).AbsoluteUri)), RangeOf(text, location.Span), kind, location.Reason));
        }
        return [.. infos];
    }

    internal static Command AcceptCommand(NextEditSuggestion suggestion) =>
        new("Accept CodeAssist next edit", CodeAssistCommands.DidAcceptNextEdit, [suggestion.Id]);

    internal static Protocol.Range RangeOf(SourceText text, TextSpan span)
    {
        var lines = text.Lines.GetLinePositionSpan(span);
        return new Protocol.Range(new Position(lines.Start.Line, lines.Start.Character), new Position(lines.End.Line, lines.End.Character));
    }

    /// <summary>
    /// The edit as an inline completion item when it lies on the cursor's line: its range widened to take in the
    /// cursor (clients show an item only where it touches the cursor), the text between filled as it is. Also what
    /// textDocument/inlineCompletion answers while a suggestion made for this very text lies on the cursor's line.
    /// </summary>
    internal static InlineCompletionItem? OnCursorLine(SourceText text, int offset, NextEditSuggestion suggestion)
    {
        var line = text.Lines.GetLineFromPosition(offset);
        if (!line.Span.Contains(suggestion.Span.Start) && suggestion.Span.Start != line.End || suggestion.Span.End > line.End)
            return null;
        var start = Math.Min(offset, suggestion.Span.Start);
        var end = Math.Max(offset, suggestion.Span.End);
        var insert = text.ToString(TextSpan.FromBounds(start, suggestion.Span.Start))
            + suggestion.NewText
            + text.ToString(TextSpan.FromBounds(suggestion.Span.End, end));
        return new InlineCompletionItem(insert, FilterText: null, RangeOf(text, TextSpan.FromBounds(start, end)), Command: null);
    }
}
