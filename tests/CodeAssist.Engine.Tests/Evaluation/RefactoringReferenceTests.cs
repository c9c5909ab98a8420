using CodeAssist.Engine.Evaluation;
using CodeAssist.Engine.Refactoring;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace CodeAssist.Engine.Tests.Evaluation;

/// <summary>
/// What "Add argument validation" is expected to add (the evaluation's reference and the training data's reply, one
/// rule), and the code-only prompt CodeAssist-Tiny is sent and trained on, exactly.
/// </summary>
public sealed class RefactoringReferenceTests
{
    private static (MethodDeclarationSyntax Syntax, IMethodSymbol Symbol, SourceText Text) Method(string members)
    {
        var text = SourceText.From($$"""
            #nullable enable
            using System;

            public sealed class C
            {
            {{members}}
            }

            """);
        var tree = CSharpSyntaxTree.ParseText(text);
        var compilation = CSharpCompilation.Create("C", [tree], [MetadataReference.CreateFromFile(typeof(object).Assembly.Location)],
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        var syntax = tree.GetRoot().DescendantNodes().OfType<MethodDeclarationSyntax>().First();
        return (syntax, compilation.GetSemanticModel(tree).GetDeclaredSymbol(syntax)!, text);
    }

    [Theory]
    [InlineData("public void M(string name, int count, int value, string? note, ref string text, params string[] rest) { }",
        "ArgumentNullException.ThrowIfNull(name);|ArgumentOutOfRangeException.ThrowIfNegative(count);")]
    [InlineData("public void M(object item, long startIndex, int bufferLength, int offset, uint size) { }",
        "ArgumentNullException.ThrowIfNull(item);|ArgumentOutOfRangeException.ThrowIfNegative(startIndex);"
        + "|ArgumentOutOfRangeException.ThrowIfNegative(bufferLength);")]
    [InlineData("public void M(string name, int index) { ArgumentNullException.ThrowIfNull(name); if (index < 0) throw new ArgumentException(nameof(index)); }",
        "")]
    [InlineData("public int M(int value, int min, int max) { return value; }", "")]
    public void Validation_checks_come_from_the_parameters_types_and_names_and_skip_what_the_body_checks(string method, string expected) =>
        Assert.Equal(expected, string.Join('|', RefactoringCases.ValidationChecks(Method(method).Syntax, Method(method).Symbol)));

    [Fact]
    public void The_validation_reference_puts_each_check_on_its_own_line_before_the_first_statement()
    {
        var (syntax, symbol, text) = Method("""
                public int Length(string text, int count)
                {
                    return text.Length + count;
                }
            """);

        Assert.Equal("""
            public int Length(string text, int count)
                {
                    ArgumentNullException.ThrowIfNull(text);
                    ArgumentOutOfRangeException.ThrowIfNegative(count);
                    return text.Length + count;
                }
            """, RefactoringCases.ValidationReference(syntax, symbol, text));
    }

    [Theory]
    [InlineData(RefactoringKind.AddValidation, "Add argument validation to Clamp:")]
    [InlineData(RefactoringKind.Document, "Write the documentation comment for Clamp:")]
    [InlineData(RefactoringKind.Simplify, "Simplify this code:")]
    public void The_code_only_prompt_is_the_task_and_the_members_whole_lines_in_a_fence(RefactoringKind kind, string task)
    {
        var (syntax, _, text) = Method("""
                public static int Clamp(int value, int min, int max)
                {
                    if (value < min) return min;
                    return value > max ? max : value;
                }
            """);

        var prompt = CodeOnlyRefactoringPrompt.At(syntax.SyntaxTree.GetRoot(), text, syntax.Identifier.SpanStart, kind);

        const string Code = """
                public static int Clamp(int value, int min, int max)
                {
                    if (value < min) return min;
                    return value > max ? max : value;
                }

            """;
        Assert.NotNull(prompt);
        Assert.Equal((kind, "Clamp", Code), (prompt.Kind, prompt.Member, prompt.Code));
        Assert.Equal(task + "\n```csharp\n" + Code.TrimEnd('\n') + "\n```\n", prompt.User);
    }
}
