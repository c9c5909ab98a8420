using CodeAssist.Engine.Documents;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;

namespace CodeAssist.Engine.Workspace;

/// <summary>
/// The compiler's view of the user's code. Holds one immutable Roslyn <see cref="Solution"/>: project files loaded
/// from disk with the editor's open documents laid over them. C# documents that
/// belong to no loaded project live in an ad-hoc project with the framework's references, so completion has a
/// semantic model from the first keystroke.
/// </summary>
public sealed class CodeWorkspace : IDisposable
{
    private readonly AdhocWorkspace _host = new();
    private readonly SolutionLoader _loader = new();
    private readonly Lock _gate = new();
    private readonly ProjectId _looseProjectId;
    private readonly Dictionary<string, DocumentId> _looseDocuments = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SourceText> _openTexts = new(StringComparer.Ordinal);
    private Solution _solution;

    public CodeWorkspace()
    {
        _looseProjectId = ProjectId.CreateNewId("loose files");
        var looseProject = ProjectInfo.Create(
            _looseProjectId, VersionStamp.Default, "Loose files", "LooseFiles", LanguageNames.CSharp,
            compilationOptions: new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable),
            parseOptions: new CSharpParseOptions(LanguageVersion.Latest),
            metadataReferences: FrameworkReferences.All);
        _solution = _host.CurrentSolution.AddProject(looseProject);
    }

    /// <summary>The current snapshot; safe to use from any thread, never changes under the caller.</summary>
    public Solution CurrentSolution
    {
        get
        {
            lock (_gate)
                return _solution;
        }
    }

    /// <summary>Whether a project system (solution or project files) has been loaded.</summary>
    public bool HasLoadedProjects { get; private set; }

    /// <summary>Follows an open document's text; open documents always win over disk.</summary>
    public void Update(DocumentSnapshot document)
    {
        if (!document.IsCSharp || document.FilePath is null)
            return;
        lock (_gate)
        {
            _openTexts[document.FilePath] = document.Text;
            _solution = WithOpenText(_solution, document.FilePath, document.Text);
        }
    }

    public void Close(string filePath)
    {
        lock (_gate)
        {
            _openTexts.Remove(filePath);
            if (_looseDocuments.Remove(filePath, out var loose))
            {
                _solution = _solution.RemoveDocument(loose);
                return;
            }
            // A project document goes back to what is on disk.
            foreach (var id in _solution.GetDocumentIdsWithFilePath(filePath))
                if (File.Exists(filePath))
                    _solution = _solution.WithDocumentText(id, SourceText.From(File.ReadAllText(filePath)));
        }
    }

    /// <summary>The Roslyn document for an open C# file at exactly the snapshot's text.</summary>
    public Document? GetDocument(DocumentSnapshot snapshot)
    {
        if (!snapshot.IsCSharp || snapshot.FilePath is null)
            return null;
        var solution = CurrentSolution;
        var id = solution.GetDocumentIdsWithFilePath(snapshot.FilePath).FirstOrDefault();
        if (id is null)
            return null;
        var document = solution.GetDocument(id)!;
        // The workspace may lag one edit behind a request; the snapshot's text is the one the request is about.
        return document.TryGetText(out var text) && ReferenceEquals(text, snapshot.Text) ? document : document.WithText(snapshot.Text);
    }

    /// <summary>
    /// Loads solution or project files in the background and lays the open documents over them. Until it ends,
    /// C# files are served from the loose-files project; a load that fails leaves it that way.
    /// </summary>
    public async Task<SolutionLoadResult> LoadProjectsAsync(IReadOnlyList<string> projectSystem, IProgress<SolutionLoadProgress>? progress, CancellationToken cancellationToken)
    {
        IsLoadingProjects = true;
        try
        {
            var result = await _loader.LoadAsync(projectSystem, progress, cancellationToken).ConfigureAwait(false);
            if (result.Solution is not null)
                ReplaceProjects(result.Solution);
            return result;
        }
        finally
        {
            IsLoadingProjects = false;
        }
    }

    public bool IsLoadingProjects { get; private set; }

    /// <summary>Replaces the loaded projects (keeping the open documents' text on top) when a solution finishes loading.</summary>
    public void ReplaceProjects(Solution loaded)
    {
        lock (_gate)
        {
            var solution = loaded;
            foreach (var project in _solution.Projects.Where(p => p.Id == _looseProjectId))
                solution = solution.AddProject(ProjectInfo.Create(project.Id, project.Version, project.Name, project.AssemblyName, project.Language,
                    compilationOptions: project.CompilationOptions, parseOptions: project.ParseOptions, metadataReferences: project.MetadataReferences));
            _looseDocuments.Clear();
            foreach (var (path, text) in _openTexts)
                solution = WithOpenText(solution, path, text);
            _solution = solution;
            HasLoadedProjects = true;
        }
    }

    /// <summary>A file changed on disk: project documents that are not open take the new text.</summary>
    public void OnFileChangedOnDisk(string filePath)
    {
        lock (_gate)
        {
            if (_openTexts.ContainsKey(filePath))
                return;
            foreach (var id in _solution.GetDocumentIdsWithFilePath(filePath))
                _solution = File.Exists(filePath)
                    ? _solution.WithDocumentText(id, SourceText.From(File.ReadAllText(filePath)))
                    : _solution.RemoveDocument(id);
        }
    }

    private Solution WithOpenText(Solution solution, string path, SourceText text)
    {
        var ids = solution.GetDocumentIdsWithFilePath(path);
        if (!ids.IsEmpty)
            return solution.WithDocumentText(ids, text, PreservationMode.PreserveIdentity);
        var id = DocumentId.CreateNewId(_looseProjectId, path);
        _looseDocuments[path] = id;
        return solution.AddDocument(DocumentInfo.Create(id, Path.GetFileName(path), filePath: path,
            loader: TextLoader.From(TextAndVersion.Create(text, VersionStamp.Create(), path))));
    }

    public void Dispose()
    {
        _loader.Dispose();
        _host.Dispose();
    }
}
