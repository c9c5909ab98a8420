using System.Globalization;
using System.Text;
using CodeAssist.Engine.Context;

namespace CodeAssist.Engine.Refactoring;

/// <summary>What a refactoring prompt is built from, in plain text: the model family's chat template spells it.</summary>
internal sealed record RefactoringPromptParts(string System, string Task, string Code, string? Instruction, string? Outline)
{
    public IReadOnlyList<ContextCandidate> Declarations { get; init; } = [];
    public string? FilePath { get; init; }
    public string FileBefore { get; init; } = "";
    public string FileAfter { get; init; } = "";
}

/// <summary>
/// Instruction prompts for the refactorings: a system turn with the rules of the one job, and a user turn with the
/// declarations the code uses (from the context engine), the file around the code, and the code itself. Everything
/// but the code is cut to the token budget, most useful first.
/// </summary>
internal static class RefactoringPrompt
{
    private const string Role = "You are CodeAssist, a careful C# engineer editing code in the user's editor. "
        + "The compiler checks your answer and throws away code that does not compile.";
    private const string CodeOnly = "Reply with only C# code in one ```csharp block, with no explanation before or after it.";

    public const string ExtractStart = "// >>> extract start";
    public const string ExtractEnd = "// <<< extract end";

    public static string System(RefactoringKind kind, TestFileLocation? tests) => Role + "\n" + kind switch
    {
        RefactoringKind.Document =>
            "Write the XML documentation comment for the member the user shows: a <summary> saying what it does, a <param> for each parameter, "
            + "a <typeparam> for each type parameter, <returns> when it returns a value, and an <exception> for each exception it throws. "
            + "Reply with only the /// comment lines in one ```csharp block, without the member itself and without explanations.",
        RefactoringKind.AddValidation =>
            "Add argument validation at the start of the member the user shows: "
            + "ArgumentNullException.ThrowIfNull for reference parameters that must not be null, "
            + "ArgumentException.ThrowIfNullOrEmpty, ArgumentOutOfRangeException.ThrowIfNegative and the other ThrowIf helpers "
            + "where the code relies on a value's range. "
            + "Keep the signature, the behaviour and the comments as they are. Reply with the whole member, rewritten. " + CodeOnly,
        RefactoringKind.Simplify =>
            "Simplify the code the user shows without changing what it does: "
            + "expression-bodied members where the body is one expression, pattern matching instead of "
            + "type checks, casts and null checks, switch expressions, and LINQ where it reads better than a loop. Keep names, signatures and comments. "
            + "Reply with the whole code, rewritten. " + CodeOnly,
        RefactoringKind.ExtractMethod =>
            $"Extract the statements between the lines \"{ExtractStart}\" and \"{ExtractEnd}\" into a new private method named for what they do, "
            + "and replace them with a call to it. "
            + "Pass what the statements read as parameters and return what the code after them needs. "
            + "Reply with the whole member, rewritten, followed by the new method, both without the marker lines. " + CodeOnly,
        RefactoringKind.GenerateTests =>
            "Write xunit tests for the method the user shows: "
            + "a [Fact] for each behaviour (usual cases, edge cases, the exceptions it throws) or a [Theory] with [InlineData] "
            + "for variations of one case. Use only the API shown. "
            + "Reply with one complete C# file: the using directives it needs (Xunit included), "
            + $"namespace {tests?.Namespace}; and a public sealed class {tests?.ClassName}. " + CodeOnly,
        RefactoringKind.Rewrite =>
            "Rewrite the code the user shows as their instruction says, and keep what the instruction does not ask to change. "
            + "Reply with only the rewritten code, which replaces the code shown. " + CodeOnly,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    public static string Task(RefactoringKind kind, string name) => kind switch
    {
        RefactoringKind.Document => $"Write the documentation comment for {name}:",
        RefactoringKind.AddValidation => $"Add argument validation to {name}:",
        RefactoringKind.Simplify => "Simplify this code:",
        RefactoringKind.ExtractMethod => $"Extract the marked statements of {name} into a new method:",
        RefactoringKind.GenerateTests => $"Write xunit tests for {name}:",
        RefactoringKind.Rewrite => "Rewrite this code:",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>The code shown to the model: the target's text, with marker lines around the statements to extract.</summary>
    public static string CodeOf(RefactoringTarget target)
    {
        if (target.MarkedSelection is not { } marked)
            return target.Code;
        var code = target.Code;
        var selected = code[marked.Start..marked.End];
        var indentation = selected[..(selected.Length - selected.TrimStart().Length)].TrimStart('\r', '\n');
        return code[..marked.Start] + indentation + ExtractStart + target.Newline
            + selected + indentation + ExtractEnd + target.Newline + code[marked.End..];
    }

    /// <summary>
    /// The user turn within <paramref name="budget"/> tokens: the task, the instruction and the code always (the caller
    /// checked they fit), then declarations, then as much of the file around the code as is left.
    /// </summary>
    public static string User(RefactoringPromptParts parts, int budget, Func<string, int> countTokens)
    {
        var essential = new StringBuilder();
        essential.Append(parts.Task).Append('\n').Append(Fenced(parts.Code));
        if (parts.Instruction is { } instruction)
            essential.Append("\nInstruction: ").Append(instruction.Trim()).Append('\n');
        var left = budget - countTokens(essential.ToString());

        var context = new StringBuilder();
        if (parts.Outline is { } outline && countTokens(outline) + 16 <= left)
        {
            context.Append("The type the method belongs to (members only):\n").Append(Fenced(outline)).Append('\n');
            left -= countTokens(outline) + 16;
        }
        var declarations = new List<string>();
        var declarationBudget = left * 3 / 10;
        foreach (var declaration in parts.Declarations)
        {
            var text = $"// {declaration.Source}\n{declaration.Text}";
            var tokens = countTokens(text);
            if (tokens > declarationBudget)
                continue;
            declarations.Add(text);
            declarationBudget -= tokens;
            left -= tokens;
        }
        if (declarations.Count > 0)
            context.Append("Declarations from other files that the code uses:\n").Append(Fenced(string.Join("\n\n", declarations))).Append('\n');

        left -= 32;
        if (left > 0 && (parts.FileBefore.Length > 0 || parts.FileAfter.Length > 0))
        {
            var before = TokenWindow.CutPrefix(parts.FileBefore, left * 7 / 10, countTokens);
            var after = TokenWindow.CutSuffix(parts.FileAfter, left - countTokens(before), countTokens);
            var placeholder = "// (the code below goes here)\n";
            context.Append(CultureInfo.InvariantCulture, $"The file {parts.FilePath}, around the code:\n")
                .Append(Fenced(before + placeholder + after)).Append('\n');
        }
        return context.Append(essential).ToString();
    }

    /// <summary>
    /// The user turn of the <c>codeOnly</c> prompt shape (codeassist.json <c>refactoringPrompt</c>): the task and the code,
    /// and the user's instruction for a rewrite; no rules, no context. Sent without a system turn.
    /// </summary>
    public static string CodeOnlyUser(string task, string code, string? instruction)
    {
        var user = new StringBuilder().Append(task).Append('\n').Append(Fenced(code));
        if (instruction is not null)
            user.Append("Instruction: ").Append(instruction.Trim()).Append('\n');
        return user.ToString();
    }

    private static string Fenced(string code) => "```csharp\n" + code.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n') + "\n```\n";

    /// <summary>New tokens a reply may need: a documentation comment is short, a rewrite about as long as the code (twice, to be safe), tests long.</summary>
    public static int MaxNewTokens(RefactoringKind kind, int codeTokens) => kind switch
    {
        RefactoringKind.Document => 384,
        RefactoringKind.GenerateTests => 1536,
        RefactoringKind.ExtractMethod => Math.Clamp(codeTokens * 2 + 256, 384, 3072),
        _ => Math.Clamp(codeTokens * 2 + 128, 256, 3072),
    };
}
