using System.Collections.Concurrent;
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
    /// <summary>
    /// Roslyn's workspace with the loose-files project, made on first use: composing Roslyn's MEF services and reading
    /// the framework's ~165 reference assemblies takes hundreds of milliseconds, which must not sit on `initialize`'s
    /// path. The server makes it in the background once `initialize` is answered (<see cref="WarmLooseFilesAsync"/>);
    /// whatever needs it earlier waits for the same one.
    /// </summary>
    private readonly Lazy<(AdhocWorkspace Host, Solution Initial)> _created;
    private readonly SolutionLoader _loader = new();
    private readonly Lock _gate = new();
    private readonly ProjectId _looseProjectId;
    private readonly Dictionary<string, DocumentId> _looseDocuments = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SourceText> _openTexts = new(StringComparer.Ordinal);
    /// <summary>
    /// The text given to Roslyn for each open document: the editor's own, or, when the editor opened a file exactly as
    /// the solution already had it, the solution's text with the editor's edits carried over. Roslyn then sees an edit
    /// of the text it had rather than a new file, so an open or an edit inside a method body does not count as a
    /// change of the project's declarations (which would rebuild its compilation).
    /// </summary>
    private readonly Dictionary<string, SourceText> _laidTexts = new(StringComparer.Ordinal);
    private Solution? _current;
    private readonly CancellationTokenSource _lifetime = new();

    /// <summary>
    /// Projects whose first compilation a background warm-up is building or is about to build: the loose-files project
    /// from the start of <see cref="WarmLooseFilesAsync"/> to its end, and each loaded project from the moment its load
    /// is laid over the workspace until the warm-up after the load has built it. See <see cref="IsWarmingUp"/>.
    /// </summary>
    private readonly ConcurrentDictionary<ProjectId, byte> _warmingUp = new();

    /// <summary>The loose-files warm-up, started once (null before <see cref="WarmLooseFilesAsync"/> is first called).</summary>
    private Task? _looseWarmUp;

    public CodeWorkspace()
    {
        _looseProjectId = ProjectId.CreateNewId("loose files");
        _created = new(() =>
        {
            var host = new AdhocWorkspace();
            var looseProject = ProjectInfo.Create(
                _looseProjectId, VersionStamp.Default, "Loose files", "LooseFiles", LanguageNames.CSharp,
                compilationOptions: new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable),
                parseOptions: new CSharpParseOptions(LanguageVersion.Latest),
                metadataReferences: FrameworkReferences.All);
            return (host, host.CurrentSolution.AddProject(looseProject));
        }, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>
    /// The current solution (made on first use, with the documents opened before it laid over it); read and replaced under
    /// <see cref="_gate"/>. Callers make the workspace before they take the lock (<see cref="EnsureCreated"/>), so a
    /// didOpen, which only takes the lock, never waits for Roslyn's workspace to be made.
    /// </summary>
    private Solution Current
    {
        get
        {
            if (_current is null)
            {
                var solution = _created.Value.Initial;
                foreach (var (path, text) in _laidTexts)
                    solution = WithOpenText(solution, path, text);
                _current = solution;
            }
            return _current;
        }
        set => _current = value;
    }

    /// <summary>Makes Roslyn's workspace if it is not made yet, outside <see cref="_gate"/> (it takes hundreds of milliseconds).</summary>
    private void EnsureCreated() => _ = _created.Value;

    /// <summary>
    /// Makes the workspace and binds the loose-files project to the framework's references on the thread pool, then
    /// compiles a small throwaway file against them so Roslyn's binding paths have run once: the first completion on a
    /// file outside any project then finds the references bound (the project's compilation keeps them when the file is
    /// added) instead of paying for them itself. The loose-files project counts as warming up (<see cref="IsWarmingUp"/>)
    /// from this call on, so a request that comes after it never waits for it. Safe to call more than once: every call
    /// gets the first one's task.
    /// </summary>
    public Task WarmLooseFilesAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_looseWarmUp is null)
            {
                _warmingUp.TryAdd(_looseProjectId, 0);
                // Not given the token: a cancelled start would skip the finally that ends the warm-up.
                _looseWarmUp = Task.Run(() => WarmLooseFilesCoreAsync(cancellationToken), CancellationToken.None);
            }
            return _looseWarmUp;
        }
    }

    private async Task WarmLooseFilesCoreAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (WarmUpsHeldUntil is { } held)
                await held.WaitAsync(cancellationToken).ConfigureAwait(false);
            var project = CurrentSolution.GetProject(_looseProjectId)!;
            var compilation = await project.GetCompilationAsync(cancellationToken).ConfigureAwait(false);
            _ = compilation?.GetSpecialType(SpecialType.System_Object);
            const string Sample = """
                using System.Collections.Generic;
                using System.Linq;
                internal sealed class Warm
                {
                    private readonly List<string> _names = new();
                    public int Count(string prefix) => _names.Where(n => n.StartsWith(prefix)).Select(n => n.Length).Sum();
                }
                """;
            var sample = project.AddDocument("Warm.cs", SourceText.From(Sample), filePath: Path.Combine(Path.GetTempPath(), "codeassist-warm", "Warm.cs"));
            if (await sample.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false) is { } model)
            {
                _ = model.GetDiagnostics(cancellationToken: cancellationToken);
                _ = model.LookupSymbols(Sample.IndexOf("_names.Where", StringComparison.Ordinal) + "_names.".Length);
            }
        }
        finally
        {
            _warmingUp.TryRemove(_looseProjectId, out _);
        }
    }

    /// <summary>
    /// Whether <paramref name="document"/>'s semantic model would wait for Roslyn's first binding of its project, which a
    /// background warm-up is doing (the loose-files warm-up, or the compilations' warm-up after a load). A context build
    /// then answers at once without the sources that need the semantic model, and the semantic context joins on the
    /// first request after that warm-up (whose end is <see cref="WarmLooseFilesAsync"/>'s task, or <see cref="Warming"/>).
    /// A project that no warm-up builds (a one-off command switches the warm-up off) is bound by the first request that
    /// needs it, which waits for it.
    /// </summary>
    public bool IsWarmingUp(Document document) => _warmingUp.ContainsKey(document.Project.Id);

    /// <summary>
    /// Test seam, null in the product: background warm-ups (loose files, compilations after a load) start only once this
    /// task has completed, so a test knows a warm-up is still running when its first request comes, however fast the
    /// machine is.
    /// </summary>
    internal Task? WarmUpsHeldUntil { get; init; }

    /// <summary>The current snapshot; safe to use from any thread, never changes under the caller.</summary>
    public Solution CurrentSolution
    {
        get
        {
            EnsureCreated();
            lock (_gate)
                return Current;
        }
    }

    /// <summary>Semantic models for context builds, reusing the last compilation while only method bodies change.</summary>
    public SemanticModelReuse SemanticModels { get; } = new();

    /// <summary>Whether a project system (solution or project files) has been loaded.</summary>
    public bool HasLoadedProjects { get; private set; }

    /// <summary>Follows an open document's text; open documents always win over disk.</summary>
    public void Update(DocumentSnapshot document)
    {
        if (!document.IsCSharp || document.FilePath is null)
            return;
        lock (_gate)
        {
            var path = document.FilePath;
            var laid = document.Text;
            if (_current is null)
            {
                // Roslyn's workspace is not made yet (or is being made): the text is laid over it when it is.
                _openTexts[path] = laid;
                _laidTexts[path] = laid;
                return;
            }
            if (_openTexts.TryGetValue(path, out var previousEditorText) && _laidTexts.TryGetValue(path, out var previousLaid))
            {
                if (!ReferenceEquals(previousEditorText, previousLaid))
                    laid = previousLaid.WithChanges(document.Text.GetTextChanges(previousEditorText));
            }
            else if (CurrentText(Current, path) is { } current && current.ContentEquals(document.Text))
            {
                laid = current;
            }
            _openTexts[path] = document.Text;
            _laidTexts[path] = laid;
            Current = WithOpenText(Current, path, laid);
        }
    }

    /// <summary>The solution's text of a file, if it has the document and its text is loaded.</summary>
    private static SourceText? CurrentText(Solution solution, string path) =>
        solution.GetDocumentIdsWithFilePath(path).FirstOrDefault() is { } id && solution.GetDocument(id) is { } document
        && document.TryGetText(out var text)
            ? text
            : null;

    public void Close(string filePath)
    {
        lock (_gate)
        {
            _openTexts.Remove(filePath);
            _laidTexts.Remove(filePath);
            if (_current is null)
                return;
            if (_looseDocuments.Remove(filePath, out var loose))
            {
                Current = Current.RemoveDocument(loose);
                return;
            }
            // A project document goes back to what is on disk; when that is what it has, nothing changes.
            if (!File.Exists(filePath))
                return;
            var disk = SourceText.From(File.ReadAllText(filePath));
            if (CurrentText(Current, filePath) is { } current && current.ContentEquals(disk))
                return;
            foreach (var id in Current.GetDocumentIdsWithFilePath(filePath))
                Current = Current.WithDocumentText(id, disk);
        }
    }

    /// <summary>
    /// Whether the document belongs to a loaded project rather than the loose-files project, whose compiler view lacks
    /// the rest of the user's code (a name from another file is unknown there, not wrong).
    /// </summary>
    public bool InLoadedProject(Document document) => document.Project.Id != _looseProjectId;

    /// <summary>The Roslyn document for an open C# file at exactly the snapshot's text.</summary>
    public Document? GetDocument(DocumentSnapshot snapshot)
    {
        if (!snapshot.IsCSharp || snapshot.FilePath is null)
            return null;
        // While the loose-files warm-up makes Roslyn's workspace (MEF composition, the framework's ~165 references), a
        // request does not wait for it: without a Roslyn document its context is built from the text alone.
        if (!_created.IsValueCreated && _looseWarmUp is { IsCompleted: false })
            return null;
        EnsureCreated();
        Solution solution;
        SourceText? laid;
        lock (_gate)
        {
            solution = Current;
            laid = _openTexts.TryGetValue(snapshot.FilePath, out var editorText) && ReferenceEquals(editorText, snapshot.Text)
                ? _laidTexts[snapshot.FilePath]
                : null;
        }
        var id = solution.GetDocumentIdsWithFilePath(snapshot.FilePath).FirstOrDefault();
        if (id is null)
            return null;
        var document = solution.GetDocument(id)!;
        // The workspace may lag one edit behind a request; the snapshot's text is the one the request is about.
        return document.TryGetText(out var text) && (ReferenceEquals(text, snapshot.Text) || ReferenceEquals(text, laid))
            ? document
            : document.WithText(snapshot.Text);
    }

    /// <summary>
    /// Loads solution or project files in the background and lays the open documents over them. Until it ends,
    /// C# files are served from the loose-files project; a load that fails leaves it that way. With a
    /// <see cref="ProjectCache"/> whose fingerprint still matches, the projects come from it at once and this returns
    /// then; MSBuild's own load goes on in the background (<see cref="SolutionLoadResult.CheckedByMSBuild"/>) and replaces
    /// them when it gives something else. Each MSBuild load that a cache could not stand in for writes the cache.
    /// </summary>
    public async Task<SolutionLoadResult> LoadProjectsAsync(
        IReadOnlyList<string> projectSystem, IProgress<SolutionLoadProgress>? progress, CancellationToken cancellationToken)
    {
        IsLoadingProjects = true;
        try
        {
            if (projectSystem.Count > 0 && ProjectCache?.TryRead(projectSystem) is { } cached)
            {
                var fromCache = cached.Projects.ToSolution(_created.Value.Host.CurrentSolution, _analyzerLoader);
                Lay(fromCache);
                progress?.Report(new SolutionLoadProgress($"{cached.Projects.Projects.Count} project(s) from the cache", 100));
                var check = Task.Run(() => CheckCachedLoadAsync(projectSystem, cached, cancellationToken), CancellationToken.None);
                return new SolutionLoadResult(fromCache, projectSystem, []) { CheckedByMSBuild = check };
            }
            var started = DateTime.UtcNow;
            var result = await _loader.LoadAsync(projectSystem, progress, cancellationToken).ConfigureAwait(false);
            if (result.Solution is not null)
            {
                Lay(result.Solution);
                WriteCache(projectSystem, result, started);
            }
            return result;
        }
        finally
        {
            IsLoadingProjects = false;
        }
    }

    /// <summary>
    /// The project-system cache (null: none, the default; the server gives one to trusted workspaces only). Tests
    /// that use one give it a folder of their own.
    /// </summary>
    public ProjectSystemCache? ProjectCache { get; init; }

    /// <summary>Where the cache's and the background check's log lines go (what was ignored and why).</summary>
    public Action<string>? Log { get; init; }

    private readonly AnalyzerAssemblyLoader _analyzerLoader = new();
    private CancellationTokenSource? _warmUpCancellation;

    /// <summary>Lays a loaded solution over the workspace and starts its compilations' warm-up (stopping the last one).</summary>
    private void Lay(Solution solution)
    {
        var warmed = ReplaceProjects(solution, WarmCompilationsAfterLoad);
        if (WarmCompilationsAfterLoad)
        {
            var cancellation = CancellationTokenSource.CreateLinkedTokenSource(_lifetime.Token);
            Interlocked.Exchange(ref _warmUpCancellation, cancellation)?.Cancel();
            Warming = WarmInBackground(warmed, cancellation.Token);
        }
    }

    private void WriteCache(IReadOnlyList<string> projectSystem, SolutionLoadResult result, DateTime started)
    {
        if (ProjectCache is null || result.LoadedFrom.Count == 0 || result.Solution is null)
            return;
        if (CachedProjectSystem.Describe(result.Solution, out var why) is { } described)
            ProjectCache.Write(projectSystem, described, started);
        else
            Log?.Invoke($"the projects are not cached: {why}");
    }

    /// <summary>
    /// MSBuild's load of a project system whose projects came from the cache: when it gives the same projects, the
    /// workspace keeps the cached ones (and the compilations already built from them); when it gives others, they
    /// replace the cached ones, their warm-up starts again, and the cache is rewritten. When it fails, the cached
    /// projects stay, as they were when last loaded. It starts once the cached projects' warm-up has ended.
    /// </summary>
    private async Task<SolutionLoadResult> CheckCachedLoadAsync(IReadOnlyList<string> projectSystem, CachedLoad cached, CancellationToken cancellationToken)
    {
        // The cached projects' warm-up goes first: on a machine with few cores MSBuild's evaluation (its build host takes a
        // core) would otherwise delay the first completion with the semantic context, which is what the cache is for.
        await Warming.ConfigureAwait(false);
        var started = DateTime.UtcNow;
        SolutionLoadResult result;
        try
        {
            result = await _loader.LoadAsync(projectSystem, null, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // Cancelled, or the workspace disposed meanwhile: the check only ever confirms or replaces, it never fails a load.
            return new SolutionLoadResult(null, [], [e.Message]) { Check = CacheCheck.Failed };
        }
        if (result.Solution is null)
        {
            Log?.Invoke("MSBuild did not load the projects; the cached ones stay");
            return result with { Check = CacheCheck.Failed };
        }
        var loaded = CachedProjectSystem.Describe(result.Solution, out _);
        if (loaded is not null && loaded.SameProjectsAs(cached.Projects))
            return result with { Check = CacheCheck.Confirmed };
        Log?.Invoke("MSBuild's load differs from the cached projects (" +
            (loaded is null ? "it cannot be cached" : cached.Projects.DescribeDifference(loaded)) + "); the workspace takes MSBuild's");
        Lay(result.Solution);
        WriteCache(projectSystem, result, started);
        return result with { Check = CacheCheck.Replaced };
    }

    public bool IsLoadingProjects { get; private set; }

    /// <summary>
    /// Whether a load that ends starts <see cref="WarmCompilationsAsync"/> in the background (the default): the first
    /// completion in each project would otherwise build its compilation (0.1-0.8 s on the 106k-line benchmark
    /// solution). A one-off command that asks about one file may switch it off; the warm-up then costs it nothing.
    /// </summary>
    public bool WarmCompilationsAfterLoad { get; init; } = true;

    /// <summary>The background warm-up started by the last load (completed when none was started).</summary>
    public Task Warming { get; private set; } = Task.CompletedTask;

    /// <summary>
    /// Builds every loaded C# project's compilation, one project at a time, as the base of its next context builds
    /// (see <see cref="SemanticModelReuse.WarmAsync"/>); returns how many it built. The projects of the open documents
    /// come first, since the next completion is in one of them (building one builds what it references as well), then
    /// the rest in dependency order. One at a time keeps a core free for requests, and a request that needs a
    /// compilation being built waits for the same one.
    /// </summary>
    public async Task<int> WarmCompilationsAsync(CancellationToken cancellationToken)
    {
        Solution solution;
        HashSet<ProjectId> open;
        EnsureCreated();
        lock (_gate)
        {
            solution = Current;
            open = [.. _openTexts.Keys.SelectMany(path => solution.GetDocumentIdsWithFilePath(path)).Select(d => d.ProjectId)];
        }
        var sorted = solution.GetProjectDependencyGraph().GetTopologicallySortedProjects(cancellationToken).ToList();
        WarmedSolution = solution;
        var built = 0;
        foreach (var id in sorted.Where(open.Contains).Concat(sorted.Where(p => !open.Contains(p))))
        {
            if (id == _looseProjectId || solution.GetProject(id) is not { } project)
                continue;
            if (await SemanticModels.WarmAsync(project, cancellationToken).ConfigureAwait(false))
                built++;
            _warmingUp.TryRemove(id, out _);
        }
        return built;
    }

    /// <summary>
    /// The solution whose compilations the last warm-up built (null before one): until the user edits, it is the code
    /// as it is, and next edits compare against it instead of compiling that code again.
    /// </summary>
    public Solution? WarmedSolution { get; private set; }

    /// <summary>
    /// Replaces the loaded projects (keeping the open documents' text on top) when a solution finishes loading. With
    /// <paramref name="warmUp"/>, the loaded C# projects count as warming up from the same moment (under the same lock), so
    /// no request sees them before it knows their compilations are coming; returns them.
    /// </summary>
    private List<ProjectId> ReplaceProjects(Solution loaded, bool warmUp)
    {
        lock (_gate)
        {
            var warming = warmUp ? loaded.Projects.Where(p => p.Language == LanguageNames.CSharp).Select(p => p.Id).ToList() : [];
            foreach (var id in warming)
                _warmingUp.TryAdd(id, 0);
            var solution = loaded;
            foreach (var project in Current.Projects.Where(p => p.Id == _looseProjectId))
            {
                solution = solution.AddProject(ProjectInfo.Create(project.Id, project.Version, project.Name, project.AssemblyName, project.Language,
                    compilationOptions: project.CompilationOptions, parseOptions: project.ParseOptions, metadataReferences: project.MetadataReferences));
            }
            _looseDocuments.Clear();
            _laidTexts.Clear();
            foreach (var (path, text) in _openTexts)
            {
                solution = WithOpenText(solution, path, text);
                _laidTexts[path] = text;
            }
            Current = solution;
            HasLoadedProjects = true;
            return warming;
        }
    }

    /// <summary>
    /// C# files changed on disk (edited, created, deleted: a watcher's events, or a branch switch's many at once). The
    /// disk is read, not the events: a watcher may report a file twice, late, or as changed when it was replaced, and
    /// what is there now is what counts. Project documents that are not open take the disk's text or go when the file
    /// went; a new file joins the loaded project whose folder holds it (SDK projects compile every .cs under their
    /// folder). Open documents keep the editor's text. Returns how many documents changed.
    /// </summary>
    public int ApplyDiskChanges(IReadOnlyCollection<string> sourcePaths)
    {
        // Read before taking the lock: a branch switch can change thousands of files, and requests must not wait on it.
        var onDisk = new Dictionary<string, SourceText?>(StringComparer.Ordinal);
        foreach (var path in sourcePaths.Distinct(StringComparer.Ordinal))
        {
            if (TryRead(path, out var read))
                onDisk[path] = read;
        }
        EnsureCreated();
        lock (_gate)
        {
            var solution = Current;
            var changed = 0;
            foreach (var (path, text) in onDisk)
            {
                if (_openTexts.ContainsKey(path))
                    continue;
                var ids = solution.GetDocumentIdsWithFilePath(path).Where(id => id.ProjectId != _looseProjectId).ToList();
                if (text is null)
                {
                    foreach (var id in ids)
                        solution = solution.RemoveDocument(id);
                    changed += ids.Count;
                }
                else if (ids.Count > 0)
                {
                    foreach (var id in ids.Where(id => CurrentText(solution, id) is not { } current || !current.ContentEquals(text)))
                    {
                        solution = solution.WithDocumentText(id, text);
                        changed++;
                    }
                }
                else if (HasLoadedProjects && OwningProject(solution, path) is { } project)
                {
                    solution = solution.AddDocument(DocumentId.CreateNewId(project.Id, path), Path.GetFileName(path), text, filePath: path);
                    changed++;
                }
            }
            Current = solution;
            return changed;
        }
    }

    private static SourceText? CurrentText(Solution solution, DocumentId id) =>
        solution.GetDocument(id) is { } document && document.TryGetText(out var text) ? text : null;

    /// <summary>The loaded project whose folder most closely holds <paramref name="path"/>, outside its bin and obj folders.</summary>
    private Project? OwningProject(Solution solution, string path) =>
        solution.Projects
            .Where(p => p.Id != _looseProjectId && p.Language == LanguageNames.CSharp && p.FilePath is not null)
            .Select(p => (Project: p, Folder: Path.GetDirectoryName(p.FilePath)! + Path.DirectorySeparatorChar))
            .Where(p => path.StartsWith(p.Folder, StringComparison.Ordinal) && !WatchedFiles.IsBuildOutput(path[p.Folder.Length..]))
            .OrderByDescending(p => p.Folder.Length)
            .Select(p => p.Project)
            .FirstOrDefault();

    /// <summary>
    /// The file's text, or null when it is gone (or went while being read: a checkout replaces files under us). False
    /// when it cannot be read now (locked, no permission): the document keeps what it has, and the next event retries.
    /// </summary>
    private static bool TryRead(string path, out SourceText? text)
    {
        text = null;
        try
        {
            if (File.Exists(path))
                text = SourceText.From(File.ReadAllText(path));
            return true;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
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

    private async Task WarmInBackground(List<ProjectId> warming, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Run(async () =>
            {
                if (WarmUpsHeldUntil is { } held)
                    await held.WaitAsync(cancellationToken).ConfigureAwait(false);
                await WarmCompilationsAsync(cancellationToken).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
            Hosting.StartupTimeline.Mark(Hosting.StartupTimeline.CompilationsWarmed);
        }
        catch (Exception)
        {
            // Disposed meanwhile, or a project Roslyn cannot compile: the warm-up only saves time, and a request that
            // needs that compilation meets (and reports) the same problem.
        }
        finally
        {
            // Whatever it did not build, requests build themselves from now on rather than wait for nothing.
            foreach (var id in warming)
                _warmingUp.TryRemove(id, out _);
        }
    }

    public void Dispose()
    {
        _lifetime.Cancel();
        _loader.Dispose();
        if (_created.IsValueCreated)
            _created.Value.Host.Dispose();
    }
}
