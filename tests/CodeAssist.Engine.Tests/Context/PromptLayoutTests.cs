using CodeAssist.Engine.Context;
using CodeAssist.Inference.Prompts;

namespace CodeAssist.Engine.Tests.Context;

/// <summary>
/// The order of a completion prompt, exactly: what stays while the user types first (other files, then the file up to
/// the cursor's line), what the token at the cursor brings last (comment lines just above the cursor's line). An
/// engine's prefix cache keeps only the unchanged start of the previous prompt.
/// </summary>
public sealed class PromptLayoutTests
{
    private static CompletionContext Context(params ContextPiece[] pieces) => new(
        "class Cart\n{\n    decimal Total()\n    {\n        return _prices.", "\n    }\n}\n",
        [new("prefix", "current file", "", 0), new("suffix", "current file", "", 0), .. pieces], "src/Cart.cs", "shop", "//");

    private static readonly ContextPiece Scope = new("scope", "Cart.cs (outline around the cursor)", "namespace Shop;", 4);
    private static readonly ContextPiece Members =
        new("members", "members of decimal[]", "        // _prices is decimal[]; its members:\n        // int Length { get; }", 16)
        {
            Placement = ContextPlacement.AboveCursorLine,
        };
    private static readonly ContextPiece Declaration = new("declaration", "src/Item.cs", "public sealed record Item(decimal Price);", 10);

    [Fact]
    public void Other_files_come_first_then_the_file_with_the_cursors_own_context_just_above_its_line()
    {
        var prompt = FimFormat.Qwen.Build(Context(Scope, Members, Declaration).ToFimRequest());

        Assert.Equal(
            "<|repo_name|>shop\n" +
            "<|file_sep|>src/Item.cs\npublic sealed record Item(decimal Price);\n" +
            "<|file_sep|>Cart.cs (outline around the cursor)\nnamespace Shop;\n" +
            "<|file_sep|>src/Cart.cs\n" +
            "<|fim_prefix|>class Cart\n{\n    decimal Total()\n    {\n" +
            "        // _prices is decimal[]; its members:\n        // int Length { get; }\n" +
            "        return _prices.<|fim_suffix|>\n    }\n}\n<|fim_middle|>",
            prompt);
    }

    [Fact]
    public void The_suffix_first_order_keeps_the_cursors_context_at_the_end_too()
    {
        var prompt = FimFormat.CodeAssist.Build(Context(Scope, Members).ToFimRequest());

        Assert.Equal(
            "<|repo_name|>shop\n<|file_sep|>Cart.cs (outline around the cursor)\nnamespace Shop;\n<|file_sep|>src/Cart.cs\n" +
            "<|fim_prefix|><|fim_suffix|>\n    }\n}\n<|fim_middle|>class Cart\n{\n    decimal Total()\n    {\n" +
            "        // _prices is decimal[]; its members:\n        // int Length { get; }\n        return _prices.",
            prompt);
    }

    [Fact]
    public void Token_healing_keeps_the_cursors_context_above_the_line_it_cuts()
    {
        var request = Context(Members).ToFimRequest("class Cart\n{\n    decimal Total()\n    {\n        return _pri");

        Assert.Equal(
            "class Cart\n{\n    decimal Total()\n    {\n        // _prices is decimal[]; its members:\n        // int Length { get; }\n        return _pri",
            request.Prefix);
        Assert.Empty(request.ContextFiles);
    }

    [Fact]
    public void A_file_with_windows_line_ends_gets_them_in_the_cursors_context_too()
    {
        var context = Context(Members) with { Prefix = "class Cart\r\n{\r\n        return _prices." };

        Assert.Equal(
            "class Cart\r\n{\r\n        // _prices is decimal[]; its members:\r\n        // int Length { get; }\r\n        return _prices.",
            context.ToFimRequest().Prefix);
    }

    [Fact]
    public void A_list_becomes_comment_lines_indented_as_the_cursors_line_and_lines_that_are_comments_keep_their_marker() =>
        Assert.Equal("    # xs is list; its members:\n    # append(x)", ContextBuilder.AsCommentLines("# xs is list; its members:\nappend(x)", "    ", "#"));
}
