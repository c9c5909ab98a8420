using CodeAssist.Engine.Context;
using CodeAssist.Engine.Documents;
using CodeAssist.Engine.Workspace;
using CodeAssist.ModelFactory;

namespace CodeAssist.Engine.Tests.Context;

/// <summary>
/// The context engine on a real project loaded by MSBuildWorkspace: `$0` marks the cursor in the edited text of a file.
/// </summary>
public sealed class SemanticContextTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly DocumentStore _documents = new();
    private readonly CodeWorkspace _workspace = new();

    public SemanticContextTests() => _documents.Changed += _workspace.Update;

    private static int CountTokens(string text) => ByteLevelBpeTokenizer.Default.Encode(text).Count;

    private async Task<CompletionContext> ContextAt(string folder, string relativePath, string markup, int budget = 1536)
    {
        var result = await _workspace.LoadProjectsAsync(SolutionLoader.FindProjectSystem([folder]), null, CancellationToken.None);
        Assert.NotNull(result.Solution);
        // Context builds do not wait for the compilations' warm-up after a load; the semantic context joins at its end.
        await _workspace.Warming;
        var offset = markup.IndexOf("$0", StringComparison.Ordinal);
        var path = Path.Combine(folder, relativePath);
        var document = _documents.Open(new Uri(path), "csharp", 1, markup.Remove(offset, 2));
        var builder = new ContextBuilder(_workspace, ContextSources.Default(_documents));
        return await builder.BuildAsync(document, offset, budget, CountTokens, folder, CancellationToken.None);
    }

    private const string CheckoutWithCursor = """
        namespace Shop;

        public sealed class Checkout
        {
            public decimal Complete(Order order)
            {
                var total = order.Total;
                $0
                return total;
            }
        }
        """;

    [Fact]
    public async Task After_a_dot_the_prompt_lists_the_receivers_members_and_extension_methods()
    {
        var context = await ContextAt(_temp.Fixture("Shop"), "src/Checkout.cs", CheckoutWithCursor.Replace("$0", "order.$0"));

        var members = Assert.Single(context.Pieces, p => p.Kind == "members");
        Assert.Contains("public void AddLine(string sku, decimal price, int quantity = 1);", members.Text);
        Assert.Contains("public bool RemoveLine(string sku);", members.Text);
        Assert.Contains("Discounted(decimal percent)", members.Text);
    }

    [Fact]
    public async Task Inside_an_argument_list_the_prompt_lists_every_overload()
    {
        var context = await ContextAt(_temp.Fixture("Shop"), "src/Checkout.cs", CheckoutWithCursor.Replace("$0", "var gross = PriceCalculator.WithTax($0"));

        var overloads = Assert.Single(context.Pieces, p => p.Kind == "overloads");
        Assert.Contains("public static decimal WithTax(decimal net);", overloads.Text);
        Assert.Contains("public static decimal WithTax(decimal net, decimal rate);", overloads.Text);
    }

    /// <summary>
    /// The pieces that depend on the token at the cursor go as comment lines just above the cursor's line, indented as
    /// it, so the dot that brings a member list changes the prompt only from that line on: everything before it (other
    /// files, the file up to the line) is the prompt one keystroke earlier, which an engine's prefix cache keeps.
    /// </summary>
    [Fact]
    public async Task The_dot_that_brings_a_member_list_changes_the_prompt_only_from_the_cursors_line_on()
    {
        var folder = _temp.Fixture("Shop");
        var before = await ContextAt(folder, "src/Checkout.cs", CheckoutWithCursor.Replace("$0", "order$0"));
        var after = await ContextAt(folder, "src/Checkout.cs", CheckoutWithCursor.Replace("$0", "order.$0"));

        var members = Assert.Single(after.Pieces, p => p.Kind == "members");
        Assert.Equal(ContextPlacement.AboveCursorLine, members.Placement);
        Assert.All(members.Text.Split('\n'), line => Assert.StartsWith("        // ", line));
        Assert.DoesNotContain(after.ToFimRequest().ContextFiles, f => f.Path == members.Source);
        var lineStart = before.Prefix.LastIndexOf('\n') + 1;
        Assert.Equal(before.Prefix[..lineStart] + members.Text + "\n        order.", after.ToFimRequest().Prefix);
        var (promptBefore, promptAfter) = (FimFormatOf(before), FimFormatOf(after));
        var kept = promptBefore.IndexOf("<|fim_prefix|>", StringComparison.Ordinal) + "<|fim_prefix|>".Length + lineStart;
        Assert.Equal(promptBefore[..kept], promptAfter[..kept]);
    }

    [Fact]
    public async Task Types_used_near_the_cursor_from_other_files_come_as_declarations_without_bodies()
    {
        var context = await ContextAt(_temp.Fixture("Shop"), "src/Checkout.cs", CheckoutWithCursor);

        var declaration = Assert.Single(context.Pieces, p => p.Kind == "declaration" && p.Source == "src/Order.cs");
        Assert.Contains("public sealed class Order", declaration.Text);
        Assert.Contains("public decimal Total { get; }", declaration.Text);
        Assert.DoesNotContain("_lines.Sum", declaration.Text);
        Assert.Contains("<|file_sep|>src/Order.cs", FimFormatOf(context));
    }

    [Fact]
    public async Task The_types_of_what_is_in_scope_come_as_declarations_though_no_code_near_the_cursor_names_them()
    {
        // Nothing in the method names Order: the field's type argument is what the statement to come will likely use.
        var context = await ContextAt(_temp.Fixture("Shop"), "src/Checkout.cs", """
            namespace Shop;

            public sealed class Checkout
            {
                private readonly List<Order> _history = [];

                public int Repeat()
                {
                    $0
                }
            }
            """);

        var declaration = Assert.Single(context.Pieces, p => p.Kind == "declaration" && p.Source == "src/Order.cs");
        Assert.Contains("public decimal Total { get; }", declaration.Text);
    }

    /// <summary>
    /// Writing a member that other files already call: the lines that use the type say what it lacks, the member the
    /// file does not name first (Checkout's <c>order.Total</c>), then the lines that name the type.
    /// </summary>
    [Fact]
    public async Task Writing_a_declaration_the_lines_of_other_files_that_use_the_type_come_members_the_file_lacks_first()
    {
        var folder = _temp.Fixture("Shop");
        var order = File.ReadAllText(Path.Combine(folder, "src/Order.cs"));
        var total = "    public decimal Total => _lines.Sum(l => l.Price * l.Quantity);";
        Assert.Contains(total, order);

        var context = await ContextAt(folder, "src/Order.cs", order.Replace(total, "    public decimal $0"));

        var uses = Assert.Single(context.Pieces, p => p.Kind == "uses");
        Assert.Equal("uses of Order", uses.Source);
        Assert.Equal(ContextPlacement.BeforeFile, uses.Placement);
        var lines = uses.Text.Split('\n');
        Assert.Equal("// uses of Order in other files", lines[0]);
        var checkout = Array.IndexOf(lines, "// src/Checkout.cs:");
        Assert.True(checkout > 0, uses.Text);
        Assert.Equal(["public decimal Complete(Order order)", "var total = order.Total;"], lines[(checkout + 1)..(checkout + 3)]);
        Assert.Contains("public static decimal Discounted(this Order order, decimal percent) => order.Total * (1 - percent / 100);", lines);
    }

    [Fact]
    public async Task A_value_of_a_collection_of_the_type_is_not_the_type_and_its_members_are_not_uses()
    {
        var folder = _temp.Fixture("Shop");
        File.WriteAllText(Path.Combine(folder, "src/Archive.cs"), """
            namespace Shop;

            public sealed class Archive
            {
                private readonly List<Order> _orders = [];

                public int Count() => _orders.Count;
            }
            """);

        var order = File.ReadAllText(Path.Combine(folder, "src/Order.cs"));
        var context = await ContextAt(folder, "src/Order.cs", order.Replace("namespace Shop;", "namespace Shop;$0"));

        var uses = Assert.Single(context.Pieces, p => p.Kind == "uses");
        Assert.Contains("private readonly List<Order> _orders = [];", uses.Text);
        Assert.DoesNotContain("_orders.Count", uses.Text);
    }

    [Fact]
    public async Task On_a_declaration_line_the_solutions_types_in_scope_come_by_name_those_the_file_names_left_out()
    {
        var folder = _temp.Fixture("Shop");
        var declaring = await ContextAt(folder, "src/Checkout.cs", """
            namespace Shop;

            public sealed class Checkout
            {
                private readonly $0
            }
            """);
        var inBody = await ContextAt(folder, "src/Checkout.cs", CheckoutWithCursor);

        var types = Assert.Single(declaring.Pieces, p => p.Kind == "types");
        Assert.Equal("// types in Shop: Order, OrderLine, PriceCalculator", types.Text);
        Assert.DoesNotContain(inBody.Pieces, p => p.Kind == "types");
    }

    [Fact]
    public async Task What_the_compiler_pieces_leave_of_the_budget_goes_to_the_most_similar_windows_of_other_files()
    {
        var context = await ContextAt(_temp.Fixture("Shop"), "src/Checkout.cs", CheckoutWithCursor);

        var windows = context.Pieces.Where(p => p.Kind == "similar").ToList();
        Assert.NotEmpty(windows);
        Assert.All(windows, w => Assert.NotEqual("src/Checkout.cs", w.Source));
        Assert.All(windows, w => Assert.Equal(ContextPlacement.BeforeFile, w.Placement));
        Assert.True(context.Pieces.Sum(p => p.Tokens) <= 1536);
    }

    [Fact]
    public async Task Unsaved_edits_of_another_open_document_are_what_the_context_shows()
    {
        var folder = _temp.Fixture("Shop");
        var orderPath = Path.Combine(folder, "src/Order.cs");
        var edited = File.ReadAllText(orderPath)
            .Replace("public string Customer { get; }", "public string Customer { get; }\n\n    public string? GiftNote { get; set; }");
        _documents.Open(new Uri(orderPath), "csharp", 1, edited);

        var context = await ContextAt(folder, "src/Checkout.cs", CheckoutWithCursor.Replace("$0", "order.$0"));

        Assert.Contains("GiftNote", Assert.Single(context.Pieces, p => p.Kind == "members").Text);
        Assert.DoesNotContain("GiftNote", File.ReadAllText(orderPath));
    }

    [Fact]
    public async Task A_project_that_fails_to_load_still_gets_text_context()
    {
        var folder = _temp.Fixture("Broken");
        var result = await _workspace.LoadProjectsAsync(SolutionLoader.FindProjectSystem([folder]), null, CancellationToken.None);
        Assert.NotEmpty(result.Warnings);
        await _workspace.Warming;

        var path = Path.Combine(folder, "Widget.cs");
        var text = File.ReadAllText(path);
        var offset = text.IndexOf("Size = ", StringComparison.Ordinal) + "Size = ".Length;
        var document = _documents.Open(new Uri(path), "csharp", 1, text);
        var context = await new ContextBuilder(_workspace, ContextSources.Default(_documents))
            .BuildAsync(document, offset, 512, CountTokens, folder, CancellationToken.None);

        Assert.EndsWith("Size = ", context.Prefix);
        Assert.StartsWith("\n    }", context.Suffix);
    }

    [Fact]
    public async Task The_outline_around_the_cursor_comes_back_when_the_window_no_longer_shows_it()
    {
        var body = string.Concat(Enumerable.Range(0, 200).Select(i => $"        var v{i} = order.Total + {i};\n"));
        var context = await ContextAt(_temp.Fixture("Shop"), "src/Checkout.cs", CheckoutWithCursor.Replace("$0", body + "        $0"), budget: 400);

        var scope = Assert.Single(context.Pieces, p => p.Kind == "scope");
        Assert.Contains("public sealed class Checkout", scope.Text);
        Assert.Contains("public decimal Complete(Order order)", scope.Text);
        Assert.DoesNotContain("public sealed class Checkout", context.Prefix);
    }

    [Fact]
    public async Task Every_piece_fits_the_budget_and_prefix_and_suffix_are_never_starved()
    {
        var context = await ContextAt(_temp.Fixture("Shop"), "src/Checkout.cs", CheckoutWithCursor.Replace("$0", "order.$0"), budget: 120);

        Assert.True(context.Pieces.Sum(p => p.Tokens) <= 120, string.Join(", ", context.Pieces.Select(p => $"{p.Kind}={p.Tokens}")));
        Assert.EndsWith("order.", context.Prefix);
        Assert.StartsWith("\n        return total;", context.Suffix);
    }

    [Fact]
    public async Task A_member_list_too_long_for_the_budget_keeps_its_first_lines_instead_of_vanishing()
    {
        var folder = _temp.Fixture("Shop");
        var whole = await ContextAt(folder, "src/Checkout.cs", CheckoutWithCursor.Replace("$0", "order.$0"));
        var fullList = Assert.Single(whole.Pieces, p => p.Kind == "members");
        var windows = whole.Pieces.Where(p => p.Kind is "prefix" or "suffix").Sum(p => p.Tokens);

        // A budget whose share for the windows leaves room for only part of the list.
        var budget = (int)((windows + fullList.Tokens / 2) / 0.70);
        var context = await ContextAt(folder, "src/Checkout.cs", CheckoutWithCursor.Replace("$0", "order.$0"), budget);

        var members = Assert.Single(context.Pieces, p => p.Kind == "members");
        Assert.True(members.Tokens < fullList.Tokens, $"{members.Tokens} of {fullList.Tokens} tokens");
        Assert.StartsWith(fullList.Text.Split('\n')[0] + "\n" + fullList.Text.Split('\n')[1], members.Text);
        Assert.True(context.Pieces.Sum(p => p.Tokens) <= budget);
    }

    private static string FimFormatOf(CompletionContext context) => Inference.Prompts.FimFormat.Qwen.Build(context.ToFimRequest());

    public void Dispose()
    {
        _workspace.Dispose();
        _temp.Dispose();
    }
}
