using CodeAssist.Engine;
using CodeAssist.Engine.Hosting;

namespace CodeAssist.Server.Cli;

/// <summary>
/// The engine the server runs (<see cref="EngineHost"/>), driven from the command line for one file: what `complete`,
/// `context` and `refactor` use, so they behave exactly like an editor session.
/// </summary>
internal sealed class FileSession : IDisposable
{
    private FileSession(EngineHost engine, CodeAssist.Engine.Documents.DocumentSnapshot document)
    {
        Engine = engine;
        Document = document;
    }

    public EngineHost Engine { get; }
    public CodeAssist.Engine.Documents.DocumentSnapshot Document { get; }

    /// <summary>
    /// Opens the file as an editor would: the model loads, and the nearest solution or project above the file is loaded
    /// (unless <paramref name="loadProject"/> is false) so the context has the compiler's view.
    /// </summary>
    public static async Task<FileSession> OpenAsync(
        FileInfo file, string? modelPath, string device, AssistSettings? settings, CancellationToken cancellationToken,
        bool loadProject = true, bool semanticContext = true)
    {
        if (!file.Exists)
            throw new FileNotFoundException($"{file.FullName} does not exist");
        var projectSystem = loadProject ? CodeAssist.Engine.Workspace.SolutionLoader.FindNearest(file.FullName) : null;
        var engine = new EngineHost(
            (settings ?? new AssistSettings()) with { ModelPath = ServeCommand.FullPathOrNull(modelPath), Device = device },
            new ServerLog(LogLevel.Warn),
            // A one-off command asks about its file right after the load: no background warm-up, whose compilations a
            // context build would not wait for; the build binds what it needs.
            new EngineOptions { SemanticContext = semanticContext, WarmCompilationsAfterLoad = false });
        try
        {
            engine.UseWorkspace([(projectSystem is null ? file.DirectoryName : Path.GetDirectoryName(projectSystem))!]);
            engine.StartModelLoad();
            if (projectSystem is not null)
                await engine.LoadProjectsAsync([projectSystem], null, cancellationToken).ConfigureAwait(false);
            var uri = new Uri(file.FullName);
            var text = await File.ReadAllTextAsync(file.FullName, cancellationToken).ConfigureAwait(false);
            var document = engine.Documents.Open(uri, LanguageIds.FromPath(file.FullName), 1, text);
            return new FileSession(engine, document);
        }
        catch
        {
            engine.Dispose();
            throw;
        }
    }

    /// <summary>The document offset of a compiler-style 1-based line and column (the engine speaks offsets).</summary>
    public int OffsetOf(int line, int column)
    {
        if (line < 1 || line > Document.Text.Lines.Count)
            throw new ArgumentException($"line {line} is outside {Document.FilePath} (1 to {Document.Text.Lines.Count})");
        var length = Document.Text.Lines[line - 1].End - Document.Text.Lines[line - 1].Start;
        if (column < 1 || column > length + 1)
            throw new ArgumentException($"column {column} is outside line {line} of {Document.FilePath} (1 to {length + 1})");
        return Document.Text.Lines[line - 1].Start + column - 1;
    }

    public void Dispose() => Engine.Dispose();
}

/// <summary>LSP language ids for files the command line opens.</summary>
internal static class LanguageIds
{
    public static string FromPath(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".cs" => "csharp",
        ".csx" => "csharp",
        ".py" => "python",
        ".ts" => "typescript",
        ".js" => "javascript",
        ".lua" => "lua",
        ".go" => "go",
        ".rs" => "rust",
        ".java" => "java",
        ".c" or ".h" => "c",
        ".cpp" or ".hpp" or ".cc" => "cpp",
        ".sh" => "shellscript",
        ".json" => "json",
        ".md" => "markdown",
        _ => "plaintext",
    };
}
