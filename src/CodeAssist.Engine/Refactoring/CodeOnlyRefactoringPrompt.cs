using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace CodeAssist.Engine.Refactoring;

/// <summary>What a refactoring shows a <c>codeOnly</c> model: the code it changes (as the reply must give it back) and the user turn.</summary>
public sealed record CodeOnlyRefactoring(RefactoringKind Kind, string Member, string Code, string User);

/// <summary>
/// The user turn the engine sends a model that declares <c>refactoringPrompt: "codeOnly"</c>, built by the engine's own
/// code (site, target, task, fences) for callers that do not run the engine: the training tool synthesises
/// CodeAssist-Tiny's instruction data with it, so the model is taught exactly the prompt the server sends.
/// </summary>
public static class CodeOnlyRefactoringPrompt
{
    /// <summary><paramref name="kind"/> asked with the cursor at <paramref name="position"/>; null where it does not apply.</summary>
    public static CodeOnlyRefactoring? At(SyntaxNode root, SourceText text, int position, RefactoringKind kind)
    {
        var site = RefactoringSite.Find(root, text, position, position);
        if (RefactoringTarget.For(site, kind) is not { } target)
            return null;
        var code = RefactoringPrompt.CodeOf(target);
        var name = target.Member is { } member ? RefactoringSite.MemberName(member) : "the selection";
        return new CodeOnlyRefactoring(kind, name, code, RefactoringPrompt.CodeOnlyUser(RefactoringPrompt.Task(kind, name), code, null));
    }
}
