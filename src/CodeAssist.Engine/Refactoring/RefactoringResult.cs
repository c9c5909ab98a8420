using Microsoft.CodeAnalysis.Text;

namespace CodeAssist.Engine.Refactoring;

/// <summary>A refactoring to run: its kind, the document at one version, and the selection (start = end for a bare cursor).</summary>
public sealed record RefactoringRequest(RefactoringKind Kind, Documents.DocumentSnapshot Document, int Start, int End)
{
    /// <summary>The user's words for <see cref="RefactoringKind.Rewrite"/>.</summary>
    public string? Instruction { get; init; }
}

/// <summary>A refactoring that applies at a selection: what a code action menu lists.</summary>
public sealed record RefactoringOffer(RefactoringKind Kind, string Title);

/// <summary>One replacement: [Start, End) as UTF-16 offsets of the text before the change, and the text that replaces it.</summary>
public sealed record TextReplacement(int Start, int End, string NewText);

/// <summary>
/// A document the refactoring changes or creates: its text before (empty for a new file) and after, and the one
/// replacement that turns the first into the second.
/// </summary>
public sealed record DocumentChange(string FilePath, bool IsNew, SourceText OldText, SourceText NewText, TextReplacement Replacement)
{
    /// <summary>The open document this change was computed against (null for new files and files not open).</summary>
    public Documents.DocumentSnapshot? Document { get; init; }
}

/// <summary>What running a refactoring produced: validated changes, or the reason nothing may be applied.</summary>
public sealed record RefactoringResult(RefactoringKind Kind, IReadOnlyList<DocumentChange> Changes, string? Refusal)
{
    public bool Succeeded => Refusal is null;

    /// <summary>Where the time went; zero for phases that did not run.</summary>
    public RefactoringTimings Timings { get; init; } = new(TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero);

    public static RefactoringResult Refused(RefactoringKind kind, string reason) => new(kind, [], reason);
}

/// <summary>Progress of a refactoring in words a status bar can show.</summary>
public sealed record RefactoringProgress(string Message, int? Percentage = null);

/// <summary>
/// Time spent up to the first token (reading the code, context, prompt, waiting for the model), generating, and
/// applying, formatting and compiling the edit.
/// </summary>
public sealed record RefactoringTimings(TimeSpan Prompt, TimeSpan Generation, TimeSpan Validation)
{
    public override string ToString() =>
        $"prompt {Prompt.TotalMilliseconds:0} ms, generation {Generation.TotalMilliseconds:0} ms, validation {Validation.TotalMilliseconds:0} ms";
}
