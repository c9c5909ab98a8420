using System.Text.Json.Nodes;
using CodeAssist.Engine.Completion;
using Microsoft.CodeAnalysis.Text;

namespace CodeAssist.Bench.Performance;

/// <summary>A document as the editor side holds it: its text and version, kept equal to what the server was told.</summary>
internal sealed class EditorDocument(Uri uri, string text)
{
    public Uri Uri { get; } = uri;
    public SourceText Text { get; set; } = SourceText.From(text);
    public int Version { get; set; } = 1;

    public (int Line, int Character) PositionOf(int offset)
    {
        var position = Text.Lines.GetLinePosition(offset);
        return (position.Line, position.Character);
    }
}

/// <summary>The counters of codeAssist/stats.</summary>
internal sealed record ServerStats(long Requests, long Generations, long CacheHits, long Cancelled)
{
    public static ServerStats operator -(ServerStats a, ServerStats b) =>
        new(a.Requests - b.Requests, a.Generations - b.Generations, a.CacheHits - b.CacheHits, a.Cancelled - b.Cancelled);
}

/// <summary>What an editor sends, in the order an editor sends it, over a <see cref="LspServerProcess"/>.</summary>
internal sealed class EditorSession(LspServerProcess server)
{
    /// <summary>
    /// How long an answer may take before the server counts as hung: a guard, not a figure. On two cores shared with
    /// several builds (load 60 and more) a start's first completion, which meets the model and the solution loading,
    /// has taken over two minutes.
    /// </summary>
    private static readonly TimeSpan HangGuard = TimeSpan.FromMinutes(10);

    public LspServerProcess Server { get; } = server;

    /// <summary>Sends initialize and initialized; returns when initialize was answered, on <see cref="Clock"/>.</summary>
    public async Task<long> InitializeAsync(string rootPath, object initializationOptions)
    {
        var root = new Uri(Path.TrimEndingDirectorySeparator(rootPath)).AbsoluteUri;
        var response = await Server.RequestAsync("initialize", new
        {
            processId = Environment.ProcessId,
            clientInfo = new { name = "codeassist-bench" },
            rootUri = root,
            workspaceFolders = new[] { new { uri = root, name = Path.GetFileName(Path.TrimEndingDirectorySeparator(rootPath)) } },
            capabilities = new { window = new { workDoneProgress = true } },
            initializationOptions,
        }, HangGuard).ConfigureAwait(false);
        if (response.Error is { } error)
            throw new InvalidOperationException($"initialize failed: {error}");
        await Server.NotifyAsync("initialized", new { }).ConfigureAwait(false);
        return response.ReceivedAt;
    }

    /// <summary>The file as the editor has it open: opened with its text on disk the first time, the same document after.</summary>
    public async Task<EditorDocument> OpenFileAsync(string path, CancellationToken cancellationToken)
    {
        if (!_openFiles.TryGetValue(path, out var document))
        {
            var text = await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false);
            _openFiles[path] = document = await OpenAsync(path, text).ConfigureAwait(false);
        }
        return document;
    }

    /// <summary>The document <see cref="OpenFileAsync"/> opened for <paramref name="path"/>, if it did.</summary>
    public EditorDocument? OpenedFile(string path) => _openFiles.GetValueOrDefault(path);

    private readonly Dictionary<string, EditorDocument> _openFiles = new(StringComparer.Ordinal);

    public async Task<EditorDocument> OpenAsync(string path, string text)
    {
        var document = new EditorDocument(new Uri(path), text);
        await Server.NotifyAsync("textDocument/didOpen", new
        {
            textDocument = new { uri = document.Uri.AbsoluteUri, languageId = "csharp", version = document.Version, text },
        }).ConfigureAwait(false);
        return document;
    }

    /// <summary>Replaces [start, end) with <paramref name="newText"/> as one incremental didChange.</summary>
    public Task ChangeAsync(EditorDocument document, int start, int end, string newText)
    {
        var from = document.PositionOf(start);
        var to = document.PositionOf(end);
        document.Text = document.Text.WithChanges(new TextChange(TextSpan.FromBounds(start, end), newText));
        document.Version++;
        return Server.NotifyAsync("textDocument/didChange", new
        {
            textDocument = new { uri = document.Uri.AbsoluteUri, version = document.Version },
            contentChanges = new[]
            {
                new
                {
                    range = new { start = new { line = from.Line, character = from.Character }, end = new { line = to.Line, character = to.Character } },
                    text = newText,
                },
            },
        });
    }

    public (int Id, Task<LspResponse> Response) StartInlineCompletion(EditorDocument document, int offset)
    {
        var (line, character) = document.PositionOf(offset);
        return Server.StartRequest("textDocument/inlineCompletion", new
        {
            textDocument = new { uri = document.Uri.AbsoluteUri },
            position = new { line, character },
            context = new { triggerKind = 2 },
        });
    }

    /// <summary>An automatic inline completion request; returns the first item's text (null when none) and the round trip in ms.</summary>
    public async Task<(string? Text, double Milliseconds)> InlineCompletionAsync(EditorDocument document, int offset)
    {
        var sentAt = Clock.Now();
        var (_, pending) = StartInlineCompletion(document, offset);
        var response = await pending.WaitAsync(HangGuard).ConfigureAwait(false);
        if (response.Error is { } error)
            throw new InvalidOperationException($"textDocument/inlineCompletion failed: {error}");
        return (FirstItemText(response), Clock.Milliseconds(sentAt, response.ReceivedAt));
    }

    public static string? FirstItemText(LspResponse response) =>
        response.Result?["items"] is JsonArray { Count: > 0 } items ? items[0]?["insertText"]?.GetValue<string>() : null;

    /// <summary>codeAssist/context: the exact prompt the server builds at a position (with its healed text), and the kinds of its pieces.</summary>
    public async Task<(CompletionPrompt Prompt, IReadOnlyList<string> Kinds)> ContextAsync(EditorDocument document, int offset)
    {
        var (line, character) = document.PositionOf(offset);
        var response = await Server.RequestAsync("codeAssist/context", new
        {
            textDocument = new { uri = document.Uri.AbsoluteUri },
            position = new { line, character },
        }).ConfigureAwait(false);
        if (response.Error is { } error)
            throw new InvalidOperationException($"codeAssist/context failed: {error}");
        var kinds = response.Result?["pieces"] is JsonArray pieces ? pieces.Select(p => p?["kind"]?.GetValue<string>() ?? "").ToList() : [];
        return (new CompletionPrompt(response.Result?["prompt"]?.GetValue<string>() ?? "", response.Result?["healedText"]?.GetValue<string>() ?? ""), kinds);
    }

    public async Task<ServerStats> StatsAsync()
    {
        var response = await Server.RequestAsync("codeAssist/stats", null).ConfigureAwait(false);
        var result = response.Result ?? throw new InvalidOperationException($"codeAssist/stats failed: {response.Error}");
        return new ServerStats(Read(result, "requests"), Read(result, "generations"), Read(result, "cacheHits"), Read(result, "cancelled"));
    }

    public Task ChangeConfigurationAsync(object codeassistSettings) =>
        Server.NotifyAsync("workspace/didChangeConfiguration", new { settings = new { codeassist = codeassistSettings } });

    private static long Read(JsonNode result, string name) => result[name]?.GetValue<long>() ?? 0;
}
