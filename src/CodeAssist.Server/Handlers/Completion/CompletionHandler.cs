using CodeAssist.Engine.Completion;
using CodeAssist.Server.Protocol;

namespace CodeAssist.Server.Handlers.Completion;

/// <summary>
/// The fallback for clients without inline completion: the suggestion as one completion item, sorted first.
/// </summary>
internal sealed class CompletionHandler(ServerState state) : IConcurrentRequestHandler<CompletionParams, InlineCompletionQuery, CompletionList>
{
    public InlineCompletionQuery Snapshot(CompletionParams parameters)
    {
        if (parameters.TextDocument?.Uri is null || parameters.Position is null)
            throw RequestErrors.InvalidParams("textDocument/completion needs textDocument.uri and position");
        return CompletionRequests.Pin(state, parameters.TextDocument.Uri, parameters.Position,
            parameters.Context?.TriggerKind == 1 ? CompletionTrigger.Invoked : CompletionTrigger.Automatic);
    }

    public async Task<CompletionList> HandleAsync(InlineCompletionQuery query, CancellationToken cancellationToken)
    {
        var result = await CompletionRequests.RunAsync(state, query, cancellationToken).ConfigureAwait(false);
        if (result.Document is not { } document)
            return new CompletionList(IsIncomplete: true, []);
        return new CompletionList(IsIncomplete: true, [.. result.Items.Select((item, index) =>
        {
            var start = document.PositionOf(item.StartOffset);
            var end = document.PositionOf(item.EndOffset);
            var firstLine = item.Text.Split('\n')[0].Trim();
            return new CompletionItem
            {
                Label = firstLine.Length > 0 ? firstLine : item.Text.Trim().Split('\n')[0],
                Kind = CompletionItemKind.Snippet,
                Detail = "CodeAssist",
                Documentation = new MarkupContent("markdown", $"```\n{item.Text}\n```"),
                SortText = $"0000{index}",
                InsertTextFormat = InsertTextFormat.PlainText,
                TextEdit = new TextEdit(new Protocol.Range(new Position(start.Line, start.Character), new Position(end.Line, end.Character)), item.Text),
                Preselect = index == 0,
                Command = new Command("Accept CodeAssist suggestion", CodeAssistCommands.DidAcceptCompletion, [item.Id]),
            };
        })]);
    }
}
