using System.Text.Json;
using CodeAssist.Engine.Documents;
using CodeAssist.Engine.Refactoring;
using CodeAssist.Server.Protocol;
using StreamJsonRpc;

namespace CodeAssist.Server.Handlers.CodeActions;

/// <summary>
/// What codeAction/resolve and the refactoring commands share: pinning a refactoring to the document in dispatch
/// order, running it with work-done progress, and turning its result into a WorkspaceEdit or a refusal the user sees.
/// </summary>
internal static class RefactoringRequests
{
    /// <summary>How code action data and command arguments are spelled: camelCase, read case-insensitively.</summary>
    public static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    public static string TitleOf(RefactoringKind kind) => "CodeAssist: " + RefactoringKinds.Title(kind);

    public static RefactoringActionData DataOf(JsonElement element)
    {
        RefactoringActionData? data;
        try
        {
            data = element.Deserialize<RefactoringActionData>(JsonOptions);
        }
        catch (JsonException e)
        {
            throw RequestErrors.InvalidParams($"the code action's data is not CodeAssist's ({e.Message})");
        }
        if (data is not { Refactoring: not null, Uri: not null, Range: not null })
            throw RequestErrors.InvalidParams("the code action's data needs refactoring, uri, range and version");
        return data;
    }

    public static (int Start, int End) Offsets(DocumentSnapshot document, Protocol.Range range)
    {
        var start = document.OffsetOf(range.Start.Line, range.Start.Character)
            ?? throw RequestErrors.InvalidParams($"range start {range.Start.Line}:{range.Start.Character} is outside {document.Uri} ({document.Text.Lines.Count} lines)");
        var end = document.OffsetOf(range.End.Line, range.End.Character) ?? document.Text.Length;
        return (start, Math.Max(start, end));
    }

    /// <summary>
    /// The refactoring <paramref name="data"/> names, pinned to the document as it is now (call it in dispatch order).
    /// Throws ContentModified when the document moved on since the action was listed.
    /// </summary>
    public static PreparedRefactoring Prepare(ServerState state, RefactoringActionData data, string? instruction)
    {
        RefactoringKind kind;
        try
        {
            kind = RefactoringKinds.Parse(data.Refactoring);
        }
        catch (ArgumentException e)
        {
            throw RequestErrors.InvalidParams(e.Message);
        }
        var document = state.Engine.Documents.TryGet(data.Uri) ?? throw RequestErrors.InvalidParams($"{data.Uri} is not open; send textDocument/didOpen first");
        if (data.Version != document.Version)
        {
            throw new LocalRpcException($"{data.Uri} changed since the code action was listed (version {data.Version}, now {document.Version}); ask for code actions again")
            {
                ErrorCode = LspErrorCodes.ContentModified,
            };
        }
        var (start, end) = Offsets(document, data.Range);
        return new PreparedRefactoring(new RefactoringRequest(kind, document, start, end) { Instruction = instruction }, RefactoringKinds.Title(kind).TrimEnd('…'));
    }

    /// <summary>
    /// Runs a prepared refactoring with work-done progress and returns its edit; RequestFailed (after telling the user
    /// why) when the edit is refused.
    /// </summary>
    public static async Task<WorkspaceEdit> RunAsync(ServerState state, PreparedRefactoring prepared, CancellationToken cancellationToken)
    {
        var title = prepared.Title;
        RefactoringResult result;
        using (var progress = await WorkDoneProgress.StartAsync(state.Client, "CodeAssist: " + title, state.Log).ConfigureAwait(false))
        {
            try
            {
                result = await state.Engine.Refactorings.RunAsync(prepared.Request, new WorkspaceBoundary(state.Engine.WorkspaceFolders),
                    new ImmediateProgress(p => progress.Report(p.Message, p.Percentage)), cancellationToken).ConfigureAwait(false);
                progress.End(result.Succeeded ? "done" : "refused");
            }
            catch (OperationCanceledException)
            {
                progress.End("cancelled");
                throw;
            }
        }

        if (result.Refusal is { } refusal)
        {
            var message = $"CodeAssist: {title} was not applied: {refusal}.";
            state.Log.Info($"{message} ({result.Timings})");
            ShowMessage(state, MessageType.Error, message);
            throw new LocalRpcException(message) { ErrorCode = LspErrorCodes.RequestFailed };
        }
        state.Log.Info($"{title}: {string.Join(", ", result.Changes.Select(c => (c.IsNew ? "new file " : "") + c.FilePath))} ({result.Timings})");
        return ToWorkspaceEdit(result);
    }

    /// <summary>Sends the edit to the client with workspace/applyEdit (the command path) and reports a client's refusal.</summary>
    public static async Task ApplyAsync(ServerState state, string label, WorkspaceEdit edit, CancellationToken cancellationToken)
    {
        var client = state.Client ?? throw new LocalRpcException("no client to apply the edit") { ErrorCode = LspErrorCodes.RequestFailed };
        var applied = await client.InvokeWithParameterObjectAsync<ApplyWorkspaceEditResult?>("workspace/applyEdit", new ApplyWorkspaceEditParams(label, edit), cancellationToken).ConfigureAwait(false);
        if (applied is { Applied: false })
        {
            var message = $"CodeAssist: the editor did not apply \"{label}\"{(applied.FailureReason is { } reason ? ": " + reason : "")}.";
            state.Log.Warn(message);
            ShowMessage(state, MessageType.Warning, message);
        }
    }

    /// <summary>Existing documents get one exact TextDocumentEdit at the version it was computed for; new files a CreateFile and their content.</summary>
    public static WorkspaceEdit ToWorkspaceEdit(RefactoringResult result)
    {
        var changes = new List<object>();
        foreach (var change in result.Changes)
        {
            // A Uri made from a path serializes as that path (System.Text.Json writes OriginalString): LSP wants file://.
            var uri = change.Document?.Uri ?? new Uri(new Uri(change.FilePath).AbsoluteUri);
            var r = change.Replacement;
            var start = change.OldText.Lines.GetLinePosition(r.Start);
            var end = change.OldText.Lines.GetLinePosition(r.End);
            var edit = new TextEdit(new Protocol.Range(new Position(start.Line, start.Character), new Position(end.Line, end.Character)), r.NewText);
            if (change.IsNew)
                changes.Add(new CreateFile(uri));
            changes.Add(new TextDocumentEdit(new OptionalVersionedTextDocumentIdentifier(uri, change.Document?.Version), [edit]));
        }
        return new WorkspaceEdit { DocumentChanges = [.. changes] };
    }

    private static void ShowMessage(ServerState state, int type, string message)
    {
        if (state.Client is not { IsDisposed: false } client)
            return;
        _ = client.NotifyWithParameterObjectAsync("window/showMessage", new ShowMessageParams(type, message)).ContinueWith(
            static t => _ = t.Exception, TaskContinuationOptions.OnlyOnFaulted);
    }

    /// <summary>Reports on the caller's thread, in order (Progress&lt;T&gt; would post to the thread pool and reorder).</summary>
    private sealed class ImmediateProgress(Action<RefactoringProgress> report) : IProgress<RefactoringProgress>
    {
        public void Report(RefactoringProgress value) => report(value);
    }
}

/// <summary>A refactoring pinned to a document snapshot, with the title its progress and messages show.</summary>
internal sealed record PreparedRefactoring(RefactoringRequest Request, string Title);
