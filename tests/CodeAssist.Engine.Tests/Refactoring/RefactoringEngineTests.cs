using CodeAssist.Engine.Documents;
using CodeAssist.Engine.Models;
using CodeAssist.Engine.Refactoring;
using CodeAssist.Engine.Workspace;
using CodeAssist.Inference.Devices;

namespace CodeAssist.Engine.Tests.Refactoring;

/// <summary>
/// The refactorings end to end on real projects loaded by MSBuildWorkspace, with a scripted model replying exactly.
/// A site is a snippet of the file with <c>$0</c> for the cursor or <c>[|…|]</c> around the selection.
/// </summary>
public sealed class RefactoringEngineTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly DocumentStore _documents = new();
    private readonly CodeWorkspace _workspace = new();
    private readonly ModelHost _models = new(_ => { });

    public RefactoringEngineTests() => _documents.Changed += _workspace.Update;

    private sealed record Session(RefactoringEngine Engine, DocumentSnapshot Document, int Start, int End, string Folder);

    /// <summary>Loads the fixture's projects, opens the file and finds the site in it.</summary>
    private async Task<Session> Open(string fixture, string relativePath, string site, string script = "", string? text = null)
    {
        var folder = _temp.Fixture(fixture);
        if (Directory.Exists(Path.Combine(folder, "tests")))
            await Restore(folder);
        var result = await _workspace.LoadProjectsAsync(SolutionLoader.FindProjectSystem([folder]), null, CancellationToken.None);
        Assert.NotNull(result.Solution);
        await _workspace.Warming;
        _models.Load(_temp.ScriptedModel(script), DevicePreference.Cpu);
        var path = Path.Combine(folder, relativePath);
        var content = text ?? await File.ReadAllTextAsync(path);
        var plain = site.Replace("$0", "").Replace("[|", "").Replace("|]", "");
        var at = content.IndexOf(plain, StringComparison.Ordinal);
        Assert.True(at >= 0, $"the site \"{plain}\" is not in {relativePath}");
        Assert.Equal(at, content.LastIndexOf(plain, StringComparison.Ordinal));
        var start = at + (site.Contains("$0") ? site.IndexOf("$0", StringComparison.Ordinal) : site.IndexOf("[|", StringComparison.Ordinal));
        var end = site.Contains("|]") ? at + site.IndexOf("|]", StringComparison.Ordinal) - 2 : start;
        var document = _documents.Open(new Uri(path), "csharp", 1, content);
        return new Session(new RefactoringEngine(_workspace, _models), document, start, end, folder);
    }

    /// <summary>A test project needs its packages (xunit) restored for the compiler to see them, as in a real checkout.</summary>
    private static async Task Restore(string folder)
    {
        var start = new System.Diagnostics.ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = folder,
        };
        foreach (var argument in (string[])["restore", Directory.EnumerateFiles(folder, "*.Tests.csproj", SearchOption.AllDirectories).Single()])
            start.ArgumentList.Add(argument);
        using var restore = System.Diagnostics.Process.Start(start)!;
        var output = restore.StandardOutput.ReadToEndAsync();
        var errors = restore.StandardError.ReadToEndAsync();
        await restore.WaitForExitAsync();
        Assert.True(restore.ExitCode == 0, $"dotnet restore failed in {folder}:\n{await output}\n{await errors}");
    }

    /// <summary>A change's replacement in lines and characters of the text before it, as a reader checks a diff.</summary>
    private static (int StartLine, int StartCharacter, int EndLine, int EndCharacter, string NewText) InLines(DocumentChange change)
    {
        var start = change.OldText.Lines.GetLinePosition(change.Replacement.Start);
        var end = change.OldText.Lines.GetLinePosition(change.Replacement.End);
        return (start.Line, start.Character, end.Line, end.Character, change.Replacement.NewText);
    }

    private static Task<RefactoringResult> Run(Session session, RefactoringKind kind, string? instruction = null, IEnumerable<string>? roots = null) =>
        session.Engine.RunAsync(new RefactoringRequest(kind, session.Document, session.Start, session.End) { Instruction = instruction },
            new WorkspaceBoundary(roots ?? [session.Folder]), null, CancellationToken.None);

    private int Generations => _models.Current?.GenerationCount ?? 0;

    [Fact]
    public async Task Document_this_member_inserts_exactly_the_comment_lines_before_the_member()
    {
        var session = await Open("Shop", "src/Order.cs", "public void $0AddLine", """
            Here is the comment:
            ```csharp
            /// <summary>Adds a line of <paramref name="quantity"/> items of <paramref name="sku"/>.</summary>
            /// <param name="sku">The stock keeping unit.</param>
            /// <param name="price">The price of one item.</param>
            /// <param name="quantity">How many items; at least one.</param>
            /// <exception cref="ArgumentOutOfRangeException"><paramref name="quantity"/> is not positive.</exception>
            ```
            """);

        var result = await Run(session, RefactoringKind.Document);

        Assert.True(result.Refusal is null, result.Refusal);
        var change = Assert.Single(result.Changes);
        Assert.False(change.IsNew);
        Assert.Equal((15, 0, 15, 0, """
                /// <summary>Adds a line of <paramref name="quantity"/> items of <paramref name="sku"/>.</summary>
                /// <param name="sku">The stock keeping unit.</param>
                /// <param name="price">The price of one item.</param>
                /// <param name="quantity">How many items; at least one.</param>
                /// <exception cref="ArgumentOutOfRangeException"><paramref name="quantity"/> is not positive.</exception>

            """), InLines(change));
        Assert.Equal(session.Document.Text.ToString().Insert(session.Document.Text.Lines[15].Start, change.Replacement.NewText), change.NewText.ToString());
        Assert.Equal(1, Generations);
    }

    [Fact]
    public async Task Listing_refactorings_never_runs_the_model()
    {
        var session = await Open("Shop", "src/Order.cs", "public void $0AddLine");
        await _models.WhenLoadedAsync(CancellationToken.None);

        var offers = await session.Engine.OfferAsync(session.Document, session.Start, session.End, CancellationToken.None);

        Assert.Equal(
            [RefactoringKind.Document, RefactoringKind.AddValidation, RefactoringKind.Simplify, RefactoringKind.GenerateTests],
            offers.Select(o => o.Kind));
        Assert.Equal(0, Generations);
    }

    [Theory]
    [InlineData(
        "[|if (quantity <= 0)\n            throw new ArgumentOutOfRangeException(nameof(quantity));|]",
        "Document AddValidation Simplify ExtractMethod GenerateTests Rewrite")]
    [InlineData(
        "[|if (quantity <= 0)\n            throw new ArgumentOutOfRangeException(nameof(quantity));\n"
            + "        _lines.Add(new OrderLine(sku, price, quantity));\n|]",
        "Document AddValidation Simplify ExtractMethod GenerateTests Rewrite")]
    [InlineData("if ([|quantity <= 0|])", "Document AddValidation Simplify GenerateTests Rewrite")]
    [InlineData("public decimal $0Total", "Document Simplify")]
    [InlineData("public sealed class $0Order", "")]
    [InlineData("public sealed record $0OrderLine", "Document")]
    public async Task What_is_offered_depends_on_the_selection(string site, string expected)
    {
        var session = await Open("Shop", "src/Order.cs", site);

        var offers = await session.Engine.OfferAsync(session.Document, session.Start, session.End, CancellationToken.None);

        Assert.Equal(expected, string.Join(" ", offers.Select(o => o.Kind)));
    }

    [Fact]
    public async Task An_edit_that_calls_a_method_that_does_not_exist_is_refused_and_nothing_changes()
    {
        var session = await Open("Shop", "src/Order.cs", "public void $0AddLine", """
            ```csharp
            public void AddLine(string sku, decimal price, int quantity = 1)
            {
                ArgumentOutOfRangeException.ThrowIfNegativeOrZero(quantity);
                _lines.AddValidated(new OrderLine(sku, price, quantity));
            }
            ```
            """);

        var result = await Run(session, RefactoringKind.AddValidation);

        Assert.Empty(result.Changes);
        Assert.StartsWith(
            "the edit would not compile (1 new error: Order.cs(19,16): CS1061 'List<OrderLine>' does not contain a definition for 'AddValidated'",
            result.Refusal);
    }

    [Fact]
    public async Task An_edit_with_a_syntax_error_is_refused()
    {
        var session = await Open("Shop", "src/Order.cs", "public void $0AddLine", """
            public void AddLine(string sku, decimal price, int quantity = 1)
            {
                ArgumentOutOfRangeException.ThrowIfNegativeOrZero(quantity);
                _lines.Add(new OrderLine(sku, price, quantity);
            }
            """);

        var result = await Run(session, RefactoringKind.AddValidation);

        Assert.Empty(result.Changes);
        Assert.Contains("CS1026 ) expected", result.Refusal);
    }

    [Fact]
    public async Task Errors_that_were_there_before_do_not_refuse_an_edit()
    {
        const string Broken = """
            namespace Shop;

            public sealed class Checkout
            {
                public decimal Complete(Order order)
                {
                    var total = order.Total;
                    return total;
                }

                public void Later() => NotWrittenYet();
            }
            """;
        var session = await Open("Shop", "src/Checkout.cs", "public decimal $0Complete", """
            public decimal Complete(Order order) => order.Total;
            """, text: Broken);

        var result = await Run(session, RefactoringKind.Simplify);

        Assert.True(result.Refusal is null, result.Refusal);
        Assert.Equal((4, 0, 9, 0, "    public decimal Complete(Order order) => order.Total;\n"), InLines(Assert.Single(result.Changes)));
    }

    [Fact]
    public async Task Extract_method_replaces_the_member_with_the_call_and_adds_the_method_after_it()
    {
        var session = await Open("Shop", "src/Order.cs", "[|if (quantity <= 0)\n            throw new ArgumentOutOfRangeException(nameof(quantity));|]", """
            ```csharp
            public void AddLine(string sku, decimal price, int quantity = 1)
            {
                EnsurePositive(quantity);
                _lines.Add(new OrderLine(sku, price, quantity));
            }

            private static void EnsurePositive(int quantity)
            {
                if (quantity <= 0)
                    throw new ArgumentOutOfRangeException(nameof(quantity));
            }
            ```
            """);

        var result = await Run(session, RefactoringKind.ExtractMethod);

        Assert.True(result.Refusal is null, result.Refusal);
        Assert.Equal((17, 0, 20, 0, """
                    EnsurePositive(quantity);
                    _lines.Add(new OrderLine(sku, price, quantity));
                }

                private static void EnsurePositive(int quantity)
                {
                    if (quantity <= 0)
                        throw new ArgumentOutOfRangeException(nameof(quantity));

            """), InLines(Assert.Single(result.Changes)));
    }

    [Fact]
    public async Task Extract_method_shows_the_model_the_member_with_the_statements_marked()
    {
        var session = await Open("Shop", "src/Order.cs", "[|if (quantity <= 0)\n            throw new ArgumentOutOfRangeException(nameof(quantity));|]");
        var root = await _workspace.GetDocument(session.Document)!.GetSyntaxRootAsync();

        var target = RefactoringTarget.For(RefactoringSite.Find(root!, session.Document.Text, session.Start, session.End), RefactoringKind.ExtractMethod)!;

        Assert.Equal("""
                public void AddLine(string sku, decimal price, int quantity = 1)
                {
                    // >>> extract start
                    if (quantity <= 0)
                        throw new ArgumentOutOfRangeException(nameof(quantity));
                    // <<< extract end
                    _lines.Add(new OrderLine(sku, price, quantity));
                }

            """, RefactoringPrompt.CodeOf(target));
    }

    [Fact]
    public async Task Rewrite_replaces_the_selected_lines_with_the_models_code_indented_to_fit()
    {
        var session = await Open("Shop", "src/Order.cs", "[|public decimal Total => _lines.Sum(l => l.Price * l.Quantity);|]", """
            public decimal Total
            {
                get
                {
                    decimal total = 0;
                    foreach (var line in _lines)
                        total += line.Price * line.Quantity;
                    return total;
                }
            }
            """);

        var result = await Run(session, RefactoringKind.Rewrite, "use a loop instead of LINQ");

        Assert.True(result.Refusal is null, result.Refusal);
        Assert.Equal((13, 0, 14, 0, """
                public decimal Total
                {
                    get
                    {
                        decimal total = 0;
                        foreach (var line in _lines)
                            total += line.Price * line.Quantity;
                        return total;
                    }
                }

            """), InLines(Assert.Single(result.Changes)));
    }

    [Fact]
    public async Task Generated_tests_go_to_a_new_file_in_the_test_project()
    {
        const string Tests = """
            using Xunit;

            namespace Shop.Tests;

            public sealed class OrderTests
            {
                [Fact]
                public void Adding_a_line_adds_to_the_total()
                {
                    var order = new Order("ada");
                    order.AddLine("A-1", 2.5m, 2);
                    Assert.Equal(5m, order.Total);
                }

                [Fact]
                public void A_quantity_below_one_is_refused()
                {
                    Assert.Throws<ArgumentOutOfRangeException>(() => new Order("ada").AddLine("A-1", 1m, 0));
                }
            }
            """;
        var session = await Open("ShopWithTests", "src/Shop/Order.cs", "public void $0AddLine", "```csharp\n" + Tests + "\n```");

        var result = await Run(session, RefactoringKind.GenerateTests);

        Assert.True(result.Refusal is null, result.Refusal);
        var change = Assert.Single(result.Changes);
        Assert.True(change.IsNew);
        Assert.Equal(Path.Combine(session.Folder, "tests", "Shop.Tests", "OrderTests.cs"), change.FilePath);
        Assert.Equal(Tests + "\n", change.NewText.ToString());
        Assert.Equal((0, 0, 0, 0, Tests + "\n"), InLines(change));
    }

    [Fact]
    public async Task Tests_that_would_land_outside_the_workspace_folders_are_refused()
    {
        var session = await Open("ShopWithTests", "src/Shop/Order.cs", "public void $0AddLine", "using Xunit;");

        var result = await Run(session, RefactoringKind.GenerateTests, roots: [Path.Combine(_temp.Path, "ShopWithTests", "src")]);

        Assert.Empty(result.Changes);
        Assert.Contains("OrderTests.cs is outside the workspace folders", result.Refusal);
        Assert.Equal(0, Generations);
    }

    [Fact]
    public async Task A_document_outside_the_workspace_folders_is_not_edited()
    {
        var session = await Open("Shop", "src/Order.cs", "public void $0AddLine", "/// <summary>x</summary>");

        var result = await Run(session, RefactoringKind.Document, roots: [_temp.Combine("elsewhere")]);

        Assert.Contains("is outside the workspace folders", result.Refusal);
        Assert.Equal(0, Generations);
    }

    public void Dispose()
    {
        _models.Dispose();
        _workspace.Dispose();
        _temp.Dispose();
    }
}
