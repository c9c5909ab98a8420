using CodeAssist.Engine.Refactoring;

namespace CodeAssist.Engine.Tests.Refactoring;

/// <summary>Code out of a model's reply: fences stripped, prose around it ignored.</summary>
public sealed class ReplyCodeTests
{
    [Theory]
    [InlineData("int x = 1;", "int x = 1;")]
    [InlineData("```csharp\nint x = 1;\n```", "int x = 1;")]
    [InlineData("Here is the simplified code:\n\n```cs\nint x = 1;\n```\n\nThis uses a constant.", "int x = 1;")]
    [InlineData("```\nint x = 1;\n```", "int x = 1;")]
    [InlineData("```json\n{}\n```\n```csharp\nint x = 1;\n```", "int x = 1;")]
    [InlineData("Sure. Here it is:\nint x = 1;\nreturn x;\nThat is all.", "int x = 1;\nreturn x;")]
    [InlineData("```csharp\r\nint x = 1;\r\n```", "int x = 1;")]
    [InlineData("```csharp\nint x = 1;\nint y = ", "int x = 1;\nint y = ")]
    [InlineData("  ```csharp\n    if (a)\n        b();\n  ```", "    if (a)\n        b();")]
    public void The_code_is_what_the_fences_hold_or_what_is_not_prose(string reply, string expected) =>
        Assert.Equal(expected, ReplyCode.Extract(reply));

    [Theory]
    [InlineData("/// <summary>A.</summary>\npublic void A() { }", "/// <summary>A.</summary>")]
    [InlineData("    /// <summary>\n    /// A.\n    /// </summary>", "    /// <summary>\n    /// A.\n    /// </summary>")]
    [InlineData("// A.\npublic void A() { }", null)]
    public void A_documentation_comment_is_the_first_run_of_triple_slash_lines(string code, string? expected) =>
        Assert.Equal(expected, ReplyCode.DocumentationComment(code) is { } lines ? string.Join("\n", lines) : null);
}
