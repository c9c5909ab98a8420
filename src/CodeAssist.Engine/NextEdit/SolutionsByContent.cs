using Microsoft.CodeAnalysis;

namespace CodeAssist.Engine.NextEdit;

/// <summary>
/// The solutions a location search forks (the solution before the user's edits, the one just before the last edit),
/// answered by one made earlier when it has the same content, so that the compilations, semantic models and results
/// (<see cref="CompilerResults"/>) built on it serve again. Without this every request forks anew from the current
/// solution, and each fork compiles the edited project and every project that depends on it from scratch. The
/// workspace's warmed solution is a candidate too: before the first edit, the code before the edits is the code it
/// compiled. Two solutions have the same content when their projects, options and references are the same and every
/// document that differs has the same path and text; anything else (a file changed on disk, a project reloaded, a
/// document the user edited) makes a new entry, so a reused solution is never stale.
/// </summary>
public sealed class SolutionsByContent(Func<Solution?>? warmed = null)
{
    /// <summary>
    /// Solutions kept, the most recently used first: the one before the edits and the one before the last edit, with
    /// room for a switch back and forth.
    /// </summary>
    public const int Capacity = 4;

    private readonly Lock _gate = new();
    private readonly List<Solution> _recent = [];

    /// <summary>A kept solution with the content of <paramref name="fork"/>, else <paramref name="fork"/>, kept from now on.</summary>
    public async Task<Solution> ResolveAsync(Solution fork, CancellationToken cancellationToken)
    {
        List<Solution> candidates;
        lock (_gate)
            candidates = [.. _recent];
        if (warmed?.Invoke() is { } known && !candidates.Contains(known))
            candidates.Add(known);
        foreach (var candidate in candidates)
        {
            if (!await SameContentAsync(candidate, fork, cancellationToken).ConfigureAwait(false))
                continue;
            Keep(candidate);
            return candidate;
        }
        Keep(fork);
        return fork;
    }

    private void Keep(Solution solution)
    {
        lock (_gate)
        {
            _recent.Remove(solution);
            _recent.Insert(0, solution);
            if (_recent.Count > Capacity)
                _recent.RemoveAt(_recent.Count - 1);
        }
    }

    /// <summary>Whether the two compile the same: the same projects, options and references, and the same text in every document.</summary>
    internal static async Task<bool> SameContentAsync(Solution kept, Solution fork, CancellationToken cancellationToken)
    {
        if (ReferenceEquals(kept, fork))
            return true;
        if (kept.Id != fork.Id)
            return false;
        var changes = fork.GetChanges(kept);
        if (changes.GetAddedProjects().Any() || changes.GetRemovedProjects().Any()
            || changes.GetAddedAnalyzerReferences().Any() || changes.GetRemovedAnalyzerReferences().Any())
        {
            return false;
        }
        foreach (var project in changes.GetProjectChanges())
        {
            var (before, after) = (project.OldProject, project.NewProject);
            if (before.AssemblyName != after.AssemblyName
                || !Equals(before.CompilationOptions, after.CompilationOptions) || !Equals(before.ParseOptions, after.ParseOptions)
                || project.GetAddedDocuments().Any() || project.GetRemovedDocuments().Any()
                || project.GetAddedProjectReferences().Any() || project.GetRemovedProjectReferences().Any()
                || project.GetAddedMetadataReferences().Any() || project.GetRemovedMetadataReferences().Any()
                || project.GetAddedAnalyzerReferences().Any() || project.GetRemovedAnalyzerReferences().Any()
                || project.GetAddedAdditionalDocuments().Any() || project.GetRemovedAdditionalDocuments().Any() || project.GetChangedAdditionalDocuments().Any()
                || project.GetAddedAnalyzerConfigDocuments().Any() || project.GetRemovedAnalyzerConfigDocuments().Any()
                || project.GetChangedAnalyzerConfigDocuments().Any())
            {
                return false;
            }
            foreach (var id in project.GetChangedDocuments())
            {
                var (old, @new) = (before.GetDocument(id)!, after.GetDocument(id)!);
                if (old.FilePath != @new.FilePath || old.SourceCodeKind != @new.SourceCodeKind)
                    return false;
                var oldText = await old.GetTextAsync(cancellationToken).ConfigureAwait(false);
                var newText = await @new.GetTextAsync(cancellationToken).ConfigureAwait(false);
                if (!ReferenceEquals(oldText, newText) && !oldText.ContentEquals(newText))
                    return false;
            }
        }
        return true;
    }
}
