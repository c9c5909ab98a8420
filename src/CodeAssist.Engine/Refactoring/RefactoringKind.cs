namespace CodeAssist.Engine.Refactoring;

/// <summary>The AI refactorings CodeAssist offers on C# code.</summary>
public enum RefactoringKind
{
    Document,
    AddValidation,
    Simplify,
    ExtractMethod,
    GenerateTests,
    Rewrite,
}

/// <summary>Names (as the command line and the code action data spell them) and titles (as menus show them).</summary>
public static class RefactoringKinds
{
    public static IReadOnlyList<RefactoringKind> All { get; } = Enum.GetValues<RefactoringKind>();

    public static string Name(RefactoringKind kind) => kind switch
    {
        RefactoringKind.Document => "document",
        RefactoringKind.AddValidation => "validate",
        RefactoringKind.Simplify => "simplify",
        RefactoringKind.ExtractMethod => "extract",
        RefactoringKind.GenerateTests => "tests",
        RefactoringKind.Rewrite => "rewrite",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    public static string Title(RefactoringKind kind) => kind switch
    {
        RefactoringKind.Document => "Document this member",
        RefactoringKind.AddValidation => "Add argument validation",
        RefactoringKind.Simplify => "Simplify",
        RefactoringKind.ExtractMethod => "Extract method",
        RefactoringKind.GenerateTests => "Generate xunit tests",
        RefactoringKind.Rewrite => "Rewrite with instruction…",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>The kind a name stands for; <see cref="ArgumentException"/> with the known names otherwise.</summary>
    public static RefactoringKind Parse(string name)
    {
        foreach (var kind in All)
        {
            if (string.Equals(Name(kind), name, StringComparison.OrdinalIgnoreCase))
                return kind;
        }
        throw new ArgumentException($"unknown refactoring \"{name}\" (known: {string.Join(", ", All.Select(Name))})");
    }
}
