using System.Text.Json;
using System.Text.Json.Serialization;

// The subset of LSP 3.17/3.18 that CodeAssist uses, named and shaped exactly as the specification
// (https://microsoft.github.io/language-server-protocol/specifications/lsp/3.18/specification/). Nothing else in the
// server defines protocol types; the engine never sees them.
namespace CodeAssist.Server.Protocol;

public sealed record Position(int Line, int Character);

public sealed record Range(Position Start, Position End);

public sealed record Location(Uri Uri, Range Range);

public sealed record TextDocumentIdentifier(Uri Uri);

public sealed record VersionedTextDocumentIdentifier(Uri Uri, int Version);

public sealed record TextDocumentItem(Uri Uri, string LanguageId, int Version, string Text);

public sealed record TextDocumentPositionParams(TextDocumentIdentifier TextDocument, Position Position);

// ---- lifecycle ----

public sealed record ClientInfo(string Name, string? Version);

public sealed record WorkspaceFolder(Uri Uri, string Name);

public sealed record InitializeParams
{
    public int? ProcessId { get; init; }
    public ClientInfo? ClientInfo { get; init; }
    public Uri? RootUri { get; init; }
    public string? RootPath { get; init; }
    public JsonElement? InitializationOptions { get; init; }
    public JsonElement? Capabilities { get; init; }
    public WorkspaceFolder[]? WorkspaceFolders { get; init; }
}

public static class TextDocumentSyncKind
{
    public const int None = 0, Full = 1, Incremental = 2;
}

public sealed record TextDocumentSyncOptions(bool OpenClose, int Change);

public sealed record CompletionOptions(string[]? TriggerCharacters = null, bool? ResolveProvider = null);

public sealed record CodeActionOptions(string[]? CodeActionKinds, bool ResolveProvider);

public sealed record ExecuteCommandOptions(string[] Commands);

public sealed record WorkDoneProgressOptions(bool WorkDoneProgress);

/// <summary>LSP 3.18's inline completion options; none are set, so it is written <c>{}</c>.</summary>
public sealed record InlineCompletionOptions;

public sealed record ServerCapabilities
{
    public required TextDocumentSyncOptions TextDocumentSync { get; init; }
    public required InlineCompletionOptions InlineCompletionProvider { get; init; }
    public required CompletionOptions CompletionProvider { get; init; }
    public CodeActionOptions? CodeActionProvider { get; init; }
    public ExecuteCommandOptions? ExecuteCommandProvider { get; init; }
}

public sealed record ServerInfo(string Name, string? Version);

public sealed record InitializeResult(ServerCapabilities Capabilities, ServerInfo ServerInfo);

// ---- document sync ----

public sealed record DidOpenTextDocumentParams(TextDocumentItem TextDocument);

/// <summary>Range absent: the whole document is replaced.</summary>
public sealed record TextDocumentContentChangeEvent(Range? Range, string Text);

public sealed record DidChangeTextDocumentParams(VersionedTextDocumentIdentifier TextDocument, TextDocumentContentChangeEvent[] ContentChanges);

public sealed record DidCloseTextDocumentParams(TextDocumentIdentifier TextDocument);

public sealed record DidChangeConfigurationParams(JsonElement? Settings);

public static class FileChangeType
{
    public const int Created = 1, Changed = 2, Deleted = 3;
}

public sealed record FileEvent(Uri Uri, int Type);

public sealed record DidChangeWatchedFilesParams(FileEvent[] Changes);

/// <summary>One glob the client watches (relative to each workspace folder); Kind absent means create, change and delete.</summary>
public sealed record FileSystemWatcher(string GlobPattern, int? Kind = null);

public sealed record DidChangeWatchedFilesRegistrationOptions(FileSystemWatcher[] Watchers);

public sealed record Registration(string Id, string Method, object? RegisterOptions);

public sealed record RegistrationParams(Registration[] Registrations);

// ---- inline completion (3.18) ----

public static class InlineCompletionTriggerKind
{
    public const int Invoked = 1, Automatic = 2;
}

public sealed record SelectedCompletionInfo(Range Range, string Text);

public sealed record InlineCompletionContext(int TriggerKind, SelectedCompletionInfo? SelectedCompletionInfo);

public sealed record InlineCompletionParams(TextDocumentIdentifier TextDocument, Position Position, InlineCompletionContext Context);

public sealed record Command(string Title, string CommandName, object[]? Arguments = null)
{
    // "command" is the spec's field name; the C# property needs another name than the type.
    [JsonPropertyName("command")]
    public string CommandName { get; init; } = CommandName;
}

public sealed record InlineCompletionItem(string InsertText, string? FilterText, Range? Range, Command? Command);

public sealed record InlineCompletionList(InlineCompletionItem[] Items);

// ---- completion (fallback) ----

public static class CompletionItemKind
{
    public const int Text = 1, Snippet = 15;
}

public static class InsertTextFormat
{
    public const int PlainText = 1;
}

public sealed record TextEdit(Range Range, string NewText);

public sealed record CompletionContext(int TriggerKind, string? TriggerCharacter);

public sealed record CompletionParams(TextDocumentIdentifier TextDocument, Position Position, CompletionContext? Context);

public sealed record CompletionItem
{
    public required string Label { get; init; }
    public int? Kind { get; init; }
    public string? Detail { get; init; }
    public object? Documentation { get; init; }
    public string? SortText { get; init; }
    public string? FilterText { get; init; }
    public string? InsertText { get; init; }
    public int? InsertTextFormat { get; init; }
    public TextEdit? TextEdit { get; init; }
    public bool? Preselect { get; init; }
    public Command? Command { get; init; }
}

public sealed record CompletionList(bool IsIncomplete, CompletionItem[] Items);

public sealed record MarkupContent(string Kind, string Value);

// ---- code actions and commands ----

public sealed record Diagnostic(Range Range, string Message);

public sealed record CodeActionContext(Diagnostic[]? Diagnostics, string[]? Only, int? TriggerKind);

public sealed record CodeActionParams(TextDocumentIdentifier TextDocument, Range Range, CodeActionContext Context);

public sealed record OptionalVersionedTextDocumentIdentifier(Uri Uri, int? Version);

public sealed record TextDocumentEdit(OptionalVersionedTextDocumentIdentifier TextDocument, TextEdit[] Edits);

public sealed record CreateFile(Uri Uri)
{
    public string Kind { get; init; } = "create";
}

public sealed record WorkspaceEdit
{
    /// <summary>Each element is a <see cref="TextDocumentEdit"/> or a <see cref="CreateFile"/>.</summary>
    public object[]? DocumentChanges { get; init; }
}

public sealed record CodeAction
{
    public required string Title { get; init; }
    public string? Kind { get; init; }
    public WorkspaceEdit? Edit { get; init; }
    public Command? Command { get; init; }
    public JsonElement? Data { get; init; }
}

public sealed record ExecuteCommandParams(string Command, JsonElement[]? Arguments);

public sealed record ApplyWorkspaceEditParams(string? Label, WorkspaceEdit Edit);

public sealed record ApplyWorkspaceEditResult(bool Applied, string? FailureReason);

// ---- window ----

public static class MessageType
{
    public const int Error = 1, Warning = 2, Info = 3, Log = 4;
}

public sealed record LogMessageParams(int Type, string Message);

public sealed record ShowMessageParams(int Type, string Message);

public sealed record WorkDoneProgressCreateParams(object Token);

public sealed record ProgressParams(object Token, object Value);

public sealed record WorkDoneProgressBegin(string Title, string? Message = null, int? Percentage = null, bool? Cancellable = null)
{
    public string Kind { get; init; } = "begin";
}

public sealed record WorkDoneProgressReport(string? Message = null, int? Percentage = null)
{
    public string Kind { get; init; } = "report";
}

public sealed record WorkDoneProgressEnd(string? Message = null)
{
    public string Kind { get; init; } = "end";
}

/// <summary>JSON-RPC and LSP error codes the server answers with.</summary>
public static class LspErrorCodes
{
    public const int InvalidParams = -32602;
    public const int InternalError = -32603;
    public const int ServerNotInitialized = -32002;
    public const int InvalidRequest = -32600;
    public const int RequestFailed = -32803;
    public const int RequestCancelled = -32800;
    public const int ContentModified = -32801;
}
