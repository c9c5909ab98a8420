using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace CodeAssist.Engine.NextEdit;

/// <summary>
/// Whether a proposed next edit may be shown: applied to a fork of the solution, the document it edits must lose the
/// errors the location targets and gain none (for references and similar lines: gain no error). Only that document
/// is compiled and checked, so the cost is one semantic model whatever the solution's size; an edit inside it cannot
/// add an error elsewhere unless it changes a declaration, and the edits proposed here fix uses, not declarations.
/// </summary>
public static class NextEditValidator
{
    public static async Task<bool> ValidateAsync(Solution solution, DocumentId id, TextChange change, NextEditLocation location, CancellationToken cancellationToken)
    {
        var before = solution.GetDocument(id)!;
        var text = await before.GetTextAsync(cancellationToken).ConfigureAwait(false);
        var after = solution.WithDocumentText(id, text.WithChanges(change), PreservationMode.PreserveIdentity).GetDocument(id)!;
        var errorsBefore = await NextEditLocator.ErrorsAsync(before, cancellationToken).ConfigureAwait(false);
        var errorsAfter = await NextEditLocator.ErrorsAsync(after, cancellationToken).ConfigureAwait(false);
        if (NextEditLocator.New(errorsBefore, errorsAfter).Any())
            return false;
        foreach (var target in location.TargetDiagnostics)
        {
            if (errorsAfter.Count(d => NextEditLocator.Key(d) == target) >= errorsBefore.Count(d => NextEditLocator.Key(d) == target))
                return false;
        }
        return true;
    }
}
