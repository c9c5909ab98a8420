using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Text;

namespace CodeAssist.Engine.Refactoring;

/// <summary>A text the refactoring wants a document to have, with the span (in the new text) it wrote.</summary>
internal sealed record ProposedText(DocumentId Id, SourceText Text, TextSpan Changed);

/// <summary>A file the refactoring wants to add to a project.</summary>
internal sealed record ProposedFile(ProjectId Project, string FilePath, string Text);

/// <summary>The outcome of checking an edit: the formatted texts of the touched documents, or why it was refused.</summary>
internal sealed record ValidatedEdit(IReadOnlyList<(string FilePath, bool IsNew, SourceText Before, SourceText After)> Documents, string? Refusal);

/// <summary>
/// Applies a proposed edit to a fork of the solution, formats what it wrote, and refuses it when the touched documents
/// gain errors the compiler did not report before (syntax errors included). Errors that were already there are the
/// user's, not the model's, and do not count: they are matched by id and message, since their positions move.
/// </summary>
internal static class EditValidator
{
    private const int ErrorsShown = 5;

    public static async Task<ValidatedEdit> ValidateAsync(
        Solution solution, IReadOnlyList<ProposedText> texts, IReadOnlyList<ProposedFile> files, CancellationToken cancellationToken)
    {
        var fork = solution;
        var touched = new List<(DocumentId Id, bool IsNew, TextSpan Changed)>();
        foreach (var proposed in texts)
        {
            fork = fork.WithDocumentText(proposed.Id, proposed.Text, PreservationMode.PreserveIdentity);
            touched.Add((proposed.Id, false, proposed.Changed));
        }
        foreach (var file in files)
        {
            var id = DocumentId.CreateNewId(file.Project, file.FilePath);
            var project = fork.GetProject(file.Project)!;
            var folders = project.FilePath is { } projectPath
                ? Path.GetRelativePath(Path.GetDirectoryName(projectPath)!, Path.GetDirectoryName(file.FilePath)!)
                    .Split(Path.DirectorySeparatorChar)
                    .Where(p => p is not ("." or ""))
                    .ToArray()
                : [];
            fork = fork.AddDocument(id, Path.GetFileName(file.FilePath), SourceText.From(file.Text), folders, file.FilePath);
            touched.Add((id, true, new TextSpan(0, file.Text.Length)));
        }

        // Formatting first, so that what is checked is exactly what the user gets.
        foreach (var (id, _, changed) in touched)
        {
            var formatted = await Formatter.FormatAsync(fork.GetDocument(id)!, changed, cancellationToken: cancellationToken).ConfigureAwait(false);
            fork = formatted.Project.Solution;
        }

        var results = new List<(string, bool, SourceText, SourceText)>();
        var introduced = new List<string>();
        foreach (var (id, isNew, _) in touched)
        {
            var after = fork.GetDocument(id)!;
            var errorsAfter = await ErrorsAsync(after, cancellationToken).ConfigureAwait(false);
            var errorsBefore = isNew ? [] : await ErrorsAsync(solution.GetDocument(id)!, cancellationToken).ConfigureAwait(false);
            introduced.AddRange(New(errorsBefore, errorsAfter).Select(d => Describe(after, d)));
            var beforeText = isNew ? SourceText.From("") : await solution.GetDocument(id)!.GetTextAsync(cancellationToken).ConfigureAwait(false);
            results.Add((after.FilePath ?? after.Name, isNew, beforeText, await after.GetTextAsync(cancellationToken).ConfigureAwait(false)));
        }
        if (introduced.Count > 0)
        {
            var shown = string.Join("; ", introduced.Take(ErrorsShown))
                + (introduced.Count > ErrorsShown ? $"; and {introduced.Count - ErrorsShown} more" : "");
            return new ValidatedEdit([], $"the edit would not compile ({introduced.Count} new error{(introduced.Count == 1 ? "" : "s")}: {shown})");
        }
        return new ValidatedEdit(results, null);
    }

    // One rule for "errors a change added", shared with the next-edit validation.
    private static Task<IReadOnlyList<Diagnostic>> ErrorsAsync(Document document, CancellationToken cancellationToken) =>
        NextEdit.NextEditLocator.ErrorsAsync(document, cancellationToken);

    private static IEnumerable<Diagnostic> New(IReadOnlyList<Diagnostic> before, IReadOnlyList<Diagnostic> after) =>
        NextEdit.NextEditLocator.New(before, after);

    private static string Describe(Document document, Diagnostic diagnostic)
    {
        var position = diagnostic.Location.GetLineSpan().StartLinePosition;
        return $"{document.Name}({position.Line + 1},{position.Character + 1}): {diagnostic.Id} {diagnostic.GetMessage(CultureInfo.InvariantCulture)}";
    }
}
