using CodeAssist.Inference.Prompts;

namespace CodeAssist.Inference.Tests;

/// <summary>
/// The next-edit prompt formats as their models' published formats spell them (Zed's Zeta, Sweep's next-edit model
/// card, Continue's Instinct templates) and the plain-FIM fallback, and how each reply gives the new region.
/// </summary>
public sealed class NextEditFormatTests
{
    private static readonly NextEditRequest Request = new(
        "src/Checkout.cs", "class Checkout\n{\n", "    void Basket() => order.AddLine(\"tea\", 2m);\n", "}\n", 21)
    {
        StartsFile = true,
        RegionStartLine = 3,
        RecentEdits =
        [
            new EditDiff("src/Order.cs",
                "--- a/src/Order.cs\n+++ b/src/Order.cs\n@@ -1,1 +1,1 @@\n" +
                "-void AddLine(string sku, decimal price)\n+void AddLine(string sku, decimal price, string note)\n"),
        ],
        ContextFiles = [new ContextFile("src/Order.cs", "void AddLine(string sku, decimal price, string note);")],
    };

    private const string Fixed = "    void Basket() => order.AddLine(\"tea\", 2m, \"\");\n";

    private static readonly PromptFormat Qwen = new(FimFormat.Qwen, ChatFormat.ChatMl);

    private const string ZetaInstruction = "You are a code completion assistant and your task is to analyze user edits and then rewrite an excerpt " +
        "that the user provides, suggesting the appropriate edits within the excerpt, taking into account the cursor location.";

    [Fact]
    public void Zeta_shows_the_edits_as_diff_blocks_and_the_excerpt_with_the_region_and_cursor_marked()
    {
        Assert.Equal($$"""
            ### Instruction:
            {{ZetaInstruction}}

            ### User Edits:

            User edited "src/Order.cs":
            ```diff
            --- a/src/Order.cs
            +++ b/src/Order.cs
            @@ -1,1 +1,1 @@
            -void AddLine(string sku, decimal price)
            +void AddLine(string sku, decimal price, string note)
            ```

            ### User Excerpt:

            ```src/Checkout.cs
            <|start_of_file|>
            class Checkout
            {
            <|editable_region_start|>
                void Basket() => <|user_cursor_is_here|>order.AddLine("tea", 2m);
            <|editable_region_end|>
            }
            ```

            ### Response:

            """, NextEditFormat.Zeta.Build(Request, Qwen));
    }

    [Fact]
    public void Zetas_reply_repeats_the_excerpt_and_the_region_is_read_between_the_markers()
    {
        var reply = "```src/Checkout.cs\n<|start_of_file|>\nclass Checkout\n{\n<|editable_region_start|>\n" + Fixed;

        Assert.Equal(Fixed, NextEditFormat.Zeta.ParseRegion(reply, Request));
        Assert.Equal(Fixed, NextEditFormat.Zeta.ParseRegion(reply + "<|editable_region_end|>\n}\n```", Request));
        Assert.Null(NextEditFormat.Zeta.ParseRegion("I cannot help with that.", Request));
        Assert.Equal(["<|editable_region_end|>"], NextEditFormat.Zeta.StopStrings);
    }

    [Fact]
    public void Sweep_lays_out_file_context_edits_and_the_original_current_and_open_updated_blocks()
    {
        Assert.Equal("""
            <|file_sep|>src/Checkout.cs
            class Checkout
            {
                void Basket() => order.AddLine("tea", 2m);
            }
            <|file_sep|>src/Order.cs
            void AddLine(string sku, decimal price, string note);
            <|file_sep|>src/Order.cs.diff
            original:
            void AddLine(string sku, decimal price)
            updated:
            void AddLine(string sku, decimal price, string note)
            <|file_sep|>original/src/Checkout.cs:3:3
                void Basket() => order.AddLine("tea", 2m);
            <|file_sep|>current/src/Checkout.cs:3:3
                void Basket() => <|cursor|>order.AddLine("tea", 2m);
            <|file_sep|>updated/src/Checkout.cs:3:3

            """, NextEditFormat.Sweep.Build(Request, Qwen));
    }

    [Fact]
    public void Sweeps_reply_is_the_updated_block_up_to_the_next_file_separator()
    {
        Assert.Equal(Fixed, NextEditFormat.Sweep.ParseRegion(Fixed + "<|file_sep|>", Request));
        Assert.Equal(Fixed, NextEditFormat.Sweep.ParseRegion(Fixed.TrimEnd('\n'), Request));
        Assert.Contains("<|file_sep|>", NextEditFormat.Sweep.StopStrings);
    }

    [Fact]
    public void Instinct_is_a_chat_with_context_edits_most_recent_first_and_the_marked_excerpt()
    {
        var prompt = NextEditFormat.Instinct.Build(Request, Qwen);

        Assert.StartsWith("<|im_start|>system\n", prompt);
        Assert.Contains("<|editable_region_start|>", prompt[..prompt.IndexOf("<|im_start|>user", StringComparison.Ordinal)]);
        Assert.Contains("""
            ### Context:
            <|context_file|> src/Order.cs
            <|snippet|>
            void AddLine(string sku, decimal price, string note);

            ### User Edits:

            --- a/src/Order.cs
            +++ b/src/Order.cs
            @@ -1,1 +1,1 @@
            -void AddLine(string sku, decimal price)
            +void AddLine(string sku, decimal price, string note)

            ### User Excerpt:
            src/Checkout.cs

            class Checkout
            {
            <|editable_region_start|>
                void Basket() => <|user_cursor_is_here|>order.AddLine("tea", 2m);
            <|editable_region_end|>
            }
            """, prompt);
        Assert.EndsWith("<|im_start|>assistant\n", prompt);
    }

    [Fact]
    public void Instincts_reply_is_the_region_alone_with_fences_and_stray_markers_removed()
    {
        Assert.Equal(Fixed, NextEditFormat.Instinct.ParseRegion(Fixed, Request));
        Assert.Equal(Fixed, NextEditFormat.Instinct.ParseRegion("```csharp\n" + Fixed + "```", Request));
        Assert.Equal(Fixed, NextEditFormat.Instinct.ParseRegion(
            "<|editable_region_start|>\n" + Fixed.Replace("order", "<|user_cursor_is_here|>order") + "<|editable_region_end|>", Request));
    }

    [Fact]
    public void The_fim_fallback_fills_the_region_with_the_edits_as_context_files()
    {
        Assert.Equal("""
            <|file_sep|>src/Order.cs
            void AddLine(string sku, decimal price, string note);
            <|file_sep|>src/Order.cs.diff
            --- a/src/Order.cs
            +++ b/src/Order.cs
            @@ -1,1 +1,1 @@
            -void AddLine(string sku, decimal price)
            +void AddLine(string sku, decimal price, string note)
            <|file_sep|>src/Checkout.cs
            <|fim_prefix|>class Checkout
            {
            <|fim_suffix|>}
            <|fim_middle|>
            """, NextEditFormat.FillInTheMiddle.Build(Request, Qwen));
        Assert.Equal(Fixed, NextEditFormat.FillInTheMiddle.ParseRegion(Fixed, Request));
    }

    [Fact]
    public void The_format_is_named_in_codeassist_json_and_an_unknown_name_is_a_problem()
    {
        var problems = new List<string>();

        Assert.Same(NextEditFormat.FillInTheMiddle, NextEditFormat.Choose(null, problems));
        Assert.Same(NextEditFormat.Sweep, NextEditFormat.Choose("sweep", problems));
        Assert.Empty(problems);
        NextEditFormat.Choose("zed", problems);
        Assert.Equal(
            "nextEditFormat \"zed\" is unknown (known: zeta, sweep, instinct, fim); correct it, or remove it to fill the region with the model's FIM format",
            Assert.Single(problems));
    }
}
