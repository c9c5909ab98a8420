using CodeAssist.Engine.Completion;
using CodeAssist.Engine.Documents;
using CodeAssist.Server.Handlers.CodeAssist;
using CodeAssist.Server.Protocol;

namespace CodeAssist.Server.Handlers.Completion;

internal sealed class InlineCompletionHandler(ServerState state) : IConcurrentRequestHandler<InlineCompletionParams, InlineCompletionQuery, InlineCompletionList>
{
    public InlineCompletionQuery Snapshot(InlineCompletionParams parameters)
    {
        if (parameters.TextDocument?.Uri is null || parameters.Position is null)
            throw RequestErrors.InvalidParams("textDocument/inlineCompletion needs textDocument.uri and position");
        return CompletionRequests.Pin(state, parameters.TextDocument.Uri, parameters.Position,
            parameters.Context?.TriggerKind == InlineCompletionTriggerKind.Invoked ? CompletionTrigger.Invoked : CompletionTrigger.Automatic,
            document => SelectedCompletionOf(parameters, document));
    }

    public async Task<InlineCompletionList> HandleAsync(InlineCompletionQuery query, CancellationToken cancellationToken)
    {
        if (NextEditOnCursorLine(query) is { } nextEdit)
            return new InlineCompletionList([nextEdit]);
        var result = await CompletionRequests.RunAsync(state, query, cancellationToken).ConfigureAwait(false);
        if (result.Document is not { } document)
            return new InlineCompletionList([]);
        return new InlineCompletionList([.. result.Items.Select(item =>
        {
            var start = document.PositionOf(item.StartOffset);
            var end = document.PositionOf(item.EndOffset);
            return new InlineCompletionItem(
                item.Text,
                FilterText: null,
                new Protocol.Range(new Position(start.Line, start.Character), new Position(end.Line, end.Character)),
                new Command("Accept CodeAssist suggestion", CodeAssistCommands.DidAcceptCompletion, [item.Id]));
        })]);
    }

    /// <summary>
    /// The latest validated next edit as ghost text, when it was computed on exactly the text the client has and lies
    /// on the cursor's line: the compiler-checked edit is shown rather than a fresh, unchecked generation.
    /// </summary>
    private InlineCompletionItem? NextEditOnCursorLine(InlineCompletionQuery query)
    {
        if (query.Selected is not null || state.Engine.Documents.TryGet(query.Uri) is not { } document || document.Version != query.Version
            || state.Engine.NextEdits.LatestFor(document) is not { } suggestion)
        {
            return null;
        }
        return NextEditHandler.OnCursorLine(document.Text, query.Offset, suggestion) is { } item ? item with { Command = NextEditHandler.AcceptCommand(suggestion) } : null;
    }

    /// <summary>The IntelliSense item the editor has selected, in offsets of the current document.</summary>
    private static SelectedCompletion? SelectedCompletionOf(InlineCompletionParams parameters, DocumentSnapshot document)
    {
        if (parameters.Context?.SelectedCompletionInfo is not { Range: { } range, Text: { } text })
            return null;
        var start = document.OffsetOf(range.Start.Line, range.Start.Character) ?? throw RequestErrors.InvalidParams("selectedCompletionInfo.range is outside the document");
        var end = document.OffsetOf(range.End.Line, range.End.Character) ?? throw RequestErrors.InvalidParams("selectedCompletionInfo.range is outside the document");
        return new SelectedCompletion(start, Math.Max(start, end), text);
    }
}
