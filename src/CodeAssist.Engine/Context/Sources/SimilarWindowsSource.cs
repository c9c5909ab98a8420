using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace CodeAssist.Engine.Context.Sources;

/// <summary>
/// Windows of other files of the project (and the projects it references) most like the lines above the cursor (Jaccard similarity of their
/// identifiers, as Tabby, Cody, llama.vim and Continue send): the complement where the compiler view has nothing to
/// say — a name the line declares, a local of a sibling method, a convention of the codebase. Listed last, so it gets
/// only what the compiler's pieces left; each file's windows are cut and indexed once per text.
/// </summary>
public sealed class SimilarWindowsSource : IContextSource
{
    private const int MaxWindows = 4;

    /// <summary>Characters asked for: more than the budget left ever holds, so the builder's packing decides.</summary>
    private const int MaxCharacters = 6000;

    public ContextPlacement Placement => ContextPlacement.BeforeFile;

    public Task<IReadOnlyList<ContextCandidate>> GetAsync(ContextRequest request, CancellationToken cancellationToken)
    {
        var query = SimilarWindows.QueryAt(request.Document.Text, request.Offset);
        if (request.RoslynDocument is not { } document || query.Count == 0)
            return Task.FromResult<IReadOnlyList<ContextCandidate>>([]);
        var current = document.FilePath;
        var files = new List<(string Path, SourceText Text)>();
        // The project and the projects it references: the code the current file can use (in a large solution, a
        // fraction of its files).
        var solution = document.Project.Solution;
        var visible = document.Project.ProjectReferences.Select(r => solution.GetProject(r.ProjectId)).OfType<Project>().Prepend(document.Project);
        foreach (var other in visible.Where(p => p.Language == LanguageNames.CSharp).SelectMany(p => p.Documents))
        {
            // Only texts Roslyn already holds (loaded for the compilations): a context build never reads the disk.
            if (other.FilePath is { } path && path != current && other.TryGetText(out var text))
                files.Add((path, text));
        }
        cancellationToken.ThrowIfCancellationRequested();
        var projectDirectory = document.Project.FilePath is { } projectPath ? Path.GetDirectoryName(projectPath) : null;
        var windows = SimilarWindows.Best(files.DistinctBy(f => f.Path), query, MaxCharacters, MaxWindows);
        return Task.FromResult<IReadOnlyList<ContextCandidate>>([.. windows.Select((w, rank) => new ContextCandidate(
            "similar",
            (projectDirectory is null ? Path.GetFileName(w.Path) : Path.GetRelativePath(projectDirectory, w.Path)).Replace('\\', '/'),
            w.Text,
            Priority: 0.3 - 0.01 * rank,
            HeaderLines: 0))]);
    }
}
