using CodeAssist.Engine.Context;
using CodeAssist.Engine.Documents;
using CodeAssist.Engine.Models;
using CodeAssist.Engine.NextEdit;
using CodeAssist.Engine.Workspace;
using CodeAssist.Inference.Devices;
using Microsoft.CodeAnalysis.Text;

namespace CodeAssist.Engine.Tests.NextEdit;

/// <summary>
/// Next edits on a real project loaded by MSBuildWorkspace: the user's keystrokes go through the document store as an
/// editor sends them, the locations come from the compiler (each kind pinned), the validation runs on a fork, and the
/// whole suggestion runs with a scripted model.
/// </summary>
public sealed class NextEditTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly DocumentStore _documents = new();
    private readonly CodeWorkspace _workspace = new();
    private readonly ModelHost _models = new(_ => { });
    private readonly EditHistory _history = new();
    private readonly NextEditLocator _locator = new();

    public NextEditTests()
    {
        _documents.Changed += _workspace.Update;
        _history.Attach(_documents);
    }

    private const string Project = SampleProjects.LibraryProject;

    private const string Order = SampleProjects.ShopOrder;

    private const string Checkout = SampleProjects.ShopCheckout;

    private string _folder = "";

    private string PathOf(string name) => Path.Combine(_folder, name);

    /// <summary>Writes the project, loads it and opens <paramref name="open"/> in the editor.</summary>
    private async Task<DocumentSnapshot> Load(string open, string order = Order)
    {
        _folder = _temp.Combine("Shop");
        Directory.CreateDirectory(_folder);
        File.WriteAllText(PathOf("Shop.csproj"), Project);
        File.WriteAllText(PathOf("Order.cs"), order);
        File.WriteAllText(PathOf("Checkout.cs"), Checkout);
        Assert.NotNull((await _workspace.LoadProjectsAsync(SolutionLoader.FindProjectSystem([_folder]), null, CancellationToken.None)).Solution);
        await _workspace.Warming;
        return _documents.Open(new Uri(PathOf(open)), "csharp", 1, File.ReadAllText(PathOf(open)));
    }

    /// <summary>Types <paramref name="text"/> one character per didChange after the first occurrence of <paramref name="after"/>.</summary>
    private DocumentSnapshot Type(DocumentSnapshot document, string after, string text)
    {
        var at = document.Text.ToString().IndexOf(after, StringComparison.Ordinal) + after.Length;
        foreach (var character in text)
        {
            var (line, column) = document.PositionOf(at++);
            document = _documents.Change(document.Uri, document.Version + 1, [new DocumentEdit((line, column), (line, column), character.ToString())]);
        }
        return document;
    }

    private Task<IReadOnlyList<NextEditLocation>> Locate(DocumentSnapshot document) =>
        _locator.LocateAsync(_workspace.CurrentSolution, _history.Edited(), document.FilePath, document.Text.Length / 2, null, CancellationToken.None);

    private static int LineOf(string text, TextSpan span) => SourceText.From(text).Lines.GetLineFromPosition(span.Start).LineNumber;

    [Fact]
    public async Task Keystrokes_on_one_line_coalesce_into_one_edit_shown_as_a_unified_diff()
    {
        var document = Type(await Load("Order.cs"), "decimal price", ", string note");

        var edited = Assert.Single(_history.Edited());
        var edit = Assert.Single(edited.Edits);
        Assert.Equal(", string note", edit.After.ToString(edit.NewSpan));
        Assert.Equal(0, edit.OldSpan.Length);
        Assert.Same(document.Text, edited.Current);
        Assert.Equal("""
            --- a/Order.cs
            +++ b/Order.cs
            @@ -6,7 +6,7 @@
             
                 public decimal Total => _prices.Sum();
             
            -    public void AddLine(string sku, decimal price)
            +    public void AddLine(string sku, decimal price, string note)
                 {
                     _prices.Add(price);
                 }

            """.Replace("\r", ""), UnifiedDiff.Of("Order.cs", edited.Baseline, edited.Current));
    }

    [Fact]
    public async Task A_required_parameter_points_at_the_calls_it_broke_the_current_file_first()
    {
        var order = Order.Replace("    public decimal Total", "    public void AddTea() => AddLine(\"tea\", 1m);\n\n    public decimal Total");
        var document = Type(await Load("Order.cs", order), "public void AddLine(string sku, decimal price", ", string note");

        var locations = await Locate(document);

        Assert.True(locations.Count >= 3, string.Join("\n", locations));
        Assert.All(locations.Take(3), l => Assert.Equal(NextEditLocationKind.IntroducedDiagnostic, l.Kind));
        Assert.Equal(PathOf("Order.cs"), locations[0].FilePath);
        Assert.Contains("AddLine(\"tea\", 1m)", document.Text.ToString(document.Text.Lines.GetLineFromPosition(locations[0].Span.Start).Span));
        Assert.Equal((PathOf("Checkout.cs"), 7), (locations[1].FilePath, LineOf(Checkout, locations[1].Span)));
        Assert.Equal((PathOf("Checkout.cs"), 8), (locations[2].FilePath, LineOf(Checkout, locations[2].Span)));
        Assert.StartsWith("CS7036", locations[1].Reason);
        Assert.Single(locations[1].TargetDiagnostics);
    }

    [Fact]
    public async Task An_optional_parameter_breaks_nothing_and_points_at_the_references()
    {
        var document = Type(await Load("Order.cs"), "decimal price", ", int quantity = 1");

        var locations = await Locate(document);

        Assert.Equal([(NextEditLocationKind.Reference, 7), (NextEditLocationKind.Reference, 8)],
            locations.Select(l => (l.Kind, LineOf(Checkout, l.Span))));
        Assert.All(locations, l => Assert.Equal(PathOf("Checkout.cs"), l.FilePath));
        Assert.Contains("AddLine", locations[0].Reason);
    }

    [Fact]
    public async Task A_renamed_member_points_at_its_uses_as_errors_and_not_at_itself()
    {
        var document = await Load("Order.cs");
        var at = document.Text.ToString().IndexOf("Total", StringComparison.Ordinal);
        var (line, column) = document.PositionOf(at);
        document = _documents.Change(document.Uri, 2, [new DocumentEdit((line, column), (line, column + 5), "")]);
        document = Type(document, "public decimal ", "Sum");

        var locations = await Locate(document);

        Assert.Equal([9, 14, 15], locations.Where(l => l.Kind == NextEditLocationKind.IntroducedDiagnostic).Select(l => LineOf(Checkout, l.Span)));
        Assert.All(locations, l => Assert.Equal(PathOf("Checkout.cs"), l.FilePath));
        Assert.Contains("CS1061", locations[0].Reason);
    }

    [Fact]
    public async Task A_changed_line_points_at_the_lines_with_the_same_text()
    {
        var document = Type(await Load("Checkout.cs"), "Console.WriteLine(order.Total", ".ToString(\"C\")");

        var location = Assert.Single(await Locate(document));

        Assert.Equal(NextEditLocationKind.SimilarLine, location.Kind);
        Assert.Equal(15, LineOf(document.Text.ToString(), location.Span));
        Assert.Equal("Console.WriteLine(order.Total);", document.Text.ToString(location.Span));
        Assert.Equal("Console.WriteLine(order.Total.ToString(\"C\"));", location.RepeatedText);
    }

    [Fact]
    public async Task A_body_edit_that_breaks_nothing_has_no_location()
    {
        var document = Type(await Load("Checkout.cs"), "return order.Total", " * 2");

        Assert.Empty(await Locate(document));
    }

    [Fact]
    public async Task Validation_passes_a_fix_of_the_targeted_error_and_refuses_one_that_keeps_it_or_adds_one()
    {
        var document = Type(await Load("Order.cs"), "decimal price", ", string note");
        var location = (await Locate(document)).First(l => l.Kind == NextEditLocationKind.IntroducedDiagnostic);
        var solution = _workspace.CurrentSolution;
        var id = solution.GetDocumentIdsWithFilePath(PathOf("Checkout.cs")).Single();
        var call = Checkout.IndexOf("order.AddLine(\"tea\", 2m)", StringComparison.Ordinal) + "order.AddLine(\"tea\", 2m".Length;
        Task<bool> ValidAsync(int at, string text, NextEditLocation target) =>
            NextEditValidator.ValidateAsync(solution, id, new TextChange(new TextSpan(at, 0), text), target, CancellationToken.None);

        Assert.True(await ValidAsync(call, ", \"gift\"", location));
        Assert.False(await ValidAsync(call, ", 5", location));
        Assert.False(await ValidAsync(call, " ", location));
        var reference = location with { Kind = NextEditLocationKind.Reference, TargetDiagnostics = [] };
        Assert.False(await ValidAsync(call, ", \"gift\", missing", reference));
        // Outside any member body (a member added) the whole document is compiled, and the new member's error counts.
        var betweenMembers = Checkout.IndexOf("\n\n    public static void Print", StringComparison.Ordinal) + 1;
        Assert.False(await ValidAsync(betweenMembers, "    public static int Broken() => missing;\n", reference));
        Assert.True(await ValidAsync(betweenMembers, "    public static int Fine() => 1;\n", reference));
    }

    [Fact]
    public async Task An_edit_inside_a_method_body_is_bound_speculatively_and_judged_as_in_a_fork()
    {
        var document = Type(await Load("Order.cs"), "decimal price", ", string note");
        var location = (await Locate(document)).First(l => l.Kind == NextEditLocationKind.IntroducedDiagnostic);
        var reference = location with { Kind = NextEditLocationKind.Reference, TargetDiagnostics = [] };
        var solution = _workspace.CurrentSolution;
        var id = solution.GetDocumentIdsWithFilePath(PathOf("Checkout.cs")).Single();
        var call = Checkout.IndexOf("order.AddLine(\"tea\", 2m)", StringComparison.Ordinal) + "order.AddLine(\"tea\", 2m".Length;
        (string Inserted, NextEditLocation At, bool Passes)[] cases =
        [
            (", \"gift\"", location, true),
            (", 5", location, false),
            (" ", location, false),
            ("", location, false),
            ("", reference, true),
            (", \"gift\"", reference, true),
            (", \"gift\", missing", reference, false),
            (", \"gift\" +", reference, false),
        ];

        // The speculative rules and the fork's compiler give the same verdict (the rules' errors are not the compiler's:
        // CS1501 where it says CS7036, so the targeted error is the speculative one on its span).
        foreach (var (inserted, at, passes) in cases)
        {
            var change = new TextChange(new TextSpan(call, 0), inserted);
            var speculative = await NextEditValidator.JudgeAsync(solution, id, change, at, NextEditBinding.Speculative, CancellationToken.None);
            var inFork = await NextEditValidator.JudgeAsync(solution, id, change, at, NextEditBinding.MemberInFork, CancellationToken.None);
            Assert.Equal((inserted, NextEditBinding.Speculative, passes), (inserted, speculative.Binding, speculative.Passes));
            Assert.Equal((inserted, NextEditBinding.MemberInFork, passes), (inserted, inFork.Binding, inFork.Passes));
        }
    }

    [Fact]
    public async Task A_body_edit_in_a_member_whose_signature_has_an_error_neither_fixes_nor_adds_that_error()
    {
        var document = Type(await Load("Order.cs"), "decimal price", ", Note note");
        var solution = _workspace.CurrentSolution;
        var id = solution.GetDocumentIdsWithFilePath(PathOf("Order.cs")).Single();
        var unknownType = Assert.Single(await NextEditLocator.ErrorsAsync(solution.GetDocument(id)!, CancellationToken.None), d => d.Id == "CS0246");
        var inBody = document.Text.ToString().IndexOf("_prices.Add(price)", StringComparison.Ordinal);
        var change = new TextChange(new TextSpan(inBody, 0), "_ = price; ");
        var targeted = new NextEditLocation(NextEditLocationKind.IntroducedDiagnostic, PathOf("Order.cs"), unknownType.Location.SourceSpan, "")
        {
            TargetDiagnostics = [NextEditLocator.Key(unknownType)],
        };

        // The fork binds only the body; the signature's error is still there, so the edit does not remove it, and does
        // not add it either. Speculative binding reads no error there: the fork decides.
        Assert.False(await NextEditValidator.ValidateAsync(solution, id, change, targeted, CancellationToken.None));
        Assert.Equal(NextEditBinding.MemberInFork,
            (await NextEditValidator.JudgeAsync(solution, id, change, targeted, NextEditBinding.Speculative, CancellationToken.None)).Binding);
        Assert.True(await NextEditValidator.ValidateAsync(solution, id, change, targeted with { TargetDiagnostics = [] }, CancellationToken.None));
    }

    [Fact]
    public async Task A_one_line_member_rewritten_whole_is_validated_as_an_edit_of_its_body()
    {
        var document = await Load("Order.cs");
        var solution = _workspace.CurrentSolution;
        var before = solution.GetDocument(solution.GetDocumentIdsWithFilePath(PathOf("Order.cs")).Single())!;
        var line = document.Text.Lines[LineOf(Order, new TextSpan(Order.IndexOf("public decimal Total", StringComparison.Ordinal), 0))];
        var rewritten = new TextChange(line.Span, "    public decimal Total => _prices.Sum() * 1;");
        var narrowed = NextEditValidator.Narrowed(document.Text, rewritten);
        var after = before.WithText(document.Text.WithChanges(narrowed));

        // The line's indentation lies outside the member: as written, the change is not inside one member; narrowed to
        // what it changes (" * 1"), it is inside the property's body, which is all the validation binds.
        Assert.Equal(" * 1", narrowed.NewText);
        Assert.Null(await NextEditValidator.InOneMemberAsync(before, after, rewritten, CancellationToken.None));
        Assert.NotNull(await NextEditValidator.InOneMemberAsync(before, after, narrowed, CancellationToken.None));
        Assert.Equal(document.Text.WithChanges(rewritten).ToString(), document.Text.WithChanges(narrowed).ToString());
    }

    [Fact]
    public async Task A_call_fixed_after_a_search_is_no_longer_a_location_at_the_next_search()
    {
        var order = Type(await Load("Order.cs"), "decimal price", ", string note");
        Assert.Equal([7, 8], (await Locate(order)).Where(l => l.FilePath == PathOf("Checkout.cs")).Select(l => LineOf(Checkout, l.Span)));

        var checkout = _documents.Open(new Uri(PathOf("Checkout.cs")), "csharp", 1, Checkout);
        checkout = Type(checkout, "order.AddLine(\"tea\", 2m", ", \"x\"");
        var locations = await Locate(checkout);

        // The errors of the solution before the fix were kept with it; the fixed call must not come back from there.
        var location = Assert.Single(locations, l => l.FilePath == PathOf("Checkout.cs"));
        Assert.Equal((NextEditLocationKind.IntroducedDiagnostic, 8), (location.Kind, LineOf(checkout.Text.ToString(), location.Span)));
    }

    [Fact]
    public async Task A_call_added_after_a_search_is_a_reference_at_the_next_search()
    {
        var order = Type(await Load("Order.cs"), "decimal price", ", int quantity = 1");
        Assert.Equal([7, 8], (await Locate(order)).Select(l => LineOf(Checkout, l.Span)));

        var checkout = _documents.Open(new Uri(PathOf("Checkout.cs")), "csharp", 1, Checkout);
        var (line, _) = checkout.PositionOf(Checkout.IndexOf("        return order.Total;", StringComparison.Ordinal));
        checkout = _documents.Change(checkout.Uri, 2, [new DocumentEdit((line, 0), (line, 0), "        order.AddLine(\"jam\", 4m);\n")]);
        order = Type(order, "int quantity", "2");
        var locations = await Locate(order);

        // The references of AddLine found before the new call were kept with the solution they were found in.
        Assert.Equal([7, 8, 9], locations.Where(l => l.Kind == NextEditLocationKind.Reference).Select(l => LineOf(checkout.Text.ToString(), l.Span)));
    }

    [Fact]
    public async Task A_member_naming_the_changed_method_only_on_a_field_of_an_unrelated_type_is_not_bound()
    {
        const string orders = """
            namespace Shop;

            public class Order
            {
                private readonly List<decimal> _prices = new();

                public decimal Total => _prices.Sum();

                public void AddLine(string sku, decimal price)
                {
                    _prices.Add(price);
                }
            }

            public sealed class RushOrder : Order
            {
                public void AddLine(string sku) => AddLine(sku, 1m);
            }

            public sealed class Ledger
            {
                public void AddLine(string sku, decimal amount) { }
            }

            public sealed class Till
            {
                private readonly Ledger _ledger = new();
                private readonly RushOrder _rush = new();

                public void Ring() => _ledger.AddLine("tea", 2m);

                public void Rush() => _rush.AddLine("tea");
            }

            """;
        var document = Type(await Load("Order.cs", orders), "decimal price", ", string note");
        var solution = _workspace.CurrentSolution;

        var locations = await Locate(document);

        // Ring calls AddLine on a Ledger, which neither is nor derives from Order: the changed AddLine cannot bind there,
        // so it is not bound. Rush calls RushOrder's own AddLine (no reference either), but on a type that derives from
        // Order, where it could: it is bound. The places are those of every member bound whole, and of whole documents.
        var kept = CompilerResults.KeptSpans(solution, solution.GetDocumentIdsWithFilePath(PathOf("Order.cs")).Single()).Select(s => s?.Start).ToList();
        var text = document.Text.ToString();
        Assert.DoesNotContain(text.IndexOf("public void Ring()", StringComparison.Ordinal), kept);
        Assert.Contains(text.IndexOf("public void Rush()", StringComparison.Ordinal), kept);
        foreach (var other in new[] { new NextEditLocator(narrowed: false), new NextEditLocator(reuse: false) })
        {
            var found = await other.LocateAsync(solution, _history.Edited(), document.FilePath, document.Text.Length / 2, null, CancellationToken.None);
            Assert.Equal(found.Select(Describe), locations.Select(Describe));
        }
        Assert.Contains(locations, l => l.Kind == NextEditLocationKind.IntroducedDiagnostic && l.FilePath == PathOf("Order.cs"));
    }

    [Fact]
    public async Task A_solution_is_answered_by_a_kept_one_only_when_every_text_is_the_same()
    {
        await Load("Order.cs");
        var solution = _workspace.CurrentSolution;
        var order = solution.GetDocumentIdsWithFilePath(PathOf("Order.cs")).Single();
        var checkout = solution.GetDocumentIdsWithFilePath(PathOf("Checkout.cs")).Single();
        var kept = new SolutionsByContent();

        Microsoft.CodeAnalysis.Solution Edited() => solution.WithDocumentText(order, SourceText.From(Order + "// edited\n"));
        var first = Edited();
        Assert.Same(first, await kept.ResolveAsync(first, CancellationToken.None));
        Assert.Same(first, await kept.ResolveAsync(Edited(), CancellationToken.None));

        var otherText = Edited().WithDocumentText(checkout, SourceText.From(Checkout + "// elsewhere\n"));
        Assert.Same(otherText, await kept.ResolveAsync(otherText, CancellationToken.None));
        var fewerDocuments = first.RemoveDocument(checkout);
        Assert.Same(fewerDocuments, await kept.ResolveAsync(fewerDocuments, CancellationToken.None));
    }

    [Fact]
    public async Task A_search_prepared_after_each_keystroke_leaves_the_request_its_errors_and_the_same_locations()
    {
        var engine = Engine();
        _documents.Changed += engine.Prepare;
        engine.PreparesAfterEdits = true;
        var document = await Load("Order.cs");
        var searches = new List<Task>();
        var at = Order.IndexOf("decimal price", StringComparison.Ordinal) + "decimal price".Length;
        foreach (var character in ", string note")
        {
            var (line, column) = document.PositionOf(at++);
            document = _documents.Change(document.Uri, document.Version + 1, [new DocumentEdit((line, column), (line, column), character.ToString())]);
            searches.Add(engine.Preparing);
        }
        // Each keystroke cancels the search the one before started; none fails, and the last one searched the solution
        // the request gets.
        await Task.WhenAll(searches);
        var solution = _workspace.CurrentSolution;
        Assert.True(CompilerResults.KeptErrors(solution) > 0);

        var locations = await engine.LocateAsync(document, document.Text.Length / 2, null, CancellationToken.None);
        var alone = await new NextEditLocator(reuse: false).LocateAsync(
            solution, engine.History.Edited(), document.FilePath, document.Text.Length / 2, null, CancellationToken.None);
        Assert.Equal(alone.Select(Describe), locations.Select(Describe));
        Assert.Equal([7, 8], locations.Where(l => l.FilePath == PathOf("Checkout.cs")).Select(l => LineOf(Checkout, l.Span)));

        // Turned off (a client that stopped asking), an edit starts nothing.
        engine.PreparesAfterEdits = false;
        var last = engine.Preparing;
        Type(document, "string note", "s");
        Assert.Same(last, engine.Preparing);
    }

    private static string Describe(NextEditLocation location) =>
        $"{location.Kind} {location.FilePath} {location.Span} {location.Reason} {string.Join("|", location.TargetDiagnostics)} {location.RepeatedText}";

    [Fact]
    public async Task The_model_fills_the_broken_call_and_the_suggestion_is_validated()
    {
        var document = await Load("Order.cs");
        _models.Load(_temp.ScriptedModel("        order.AddLine(\"tea\", 2m, \"\");\n"), DevicePreference.Cpu);
        var engine = Engine();
        document = Type(document, "decimal price", ", string note");

        var result = await engine.SuggestAsync(document, document.Text.Length / 2, CancellationToken.None);

        var suggestion = Assert.Single(result.Suggestions);
        Assert.Equal(PathOf("Checkout.cs"), suggestion.FilePath);
        Assert.Equal(", \"\"", suggestion.NewText);
        Assert.Equal(Checkout.IndexOf("order.AddLine(\"tea\", 2m)", StringComparison.Ordinal) + "order.AddLine(\"tea\", 2m".Length, suggestion.Span.Start);
        Assert.Equal(0, suggestion.Span.Length);
        Assert.Equal(NextEditLocationKind.IntroducedDiagnostic, suggestion.Kind);
        Assert.Equal(new NextEditStatsSnapshot(1, 1, 0, 0), engine.Stats.Snapshot());
    }

    [Fact]
    public async Task A_proposal_that_does_not_fix_the_error_is_dropped_and_counted()
    {
        var document = await Load("Order.cs");
        _models.Load(_temp.ScriptedModel("        order.AddLine(\"tea\", 2m, 5);\n"), DevicePreference.Cpu);
        var engine = Engine();
        document = Type(document, "decimal price", ", string note");

        var result = await engine.SuggestAsync(document, document.Text.Length / 2, CancellationToken.None);

        Assert.Empty(result.Suggestions);
        Assert.NotEmpty(result.Locations);
        Assert.True(engine.Stats.Snapshot().Dropped >= 1);
    }

    private NextEditEngine Engine()
    {
        var engine = new NextEditEngine(_documents, _workspace, new ContextBuilder(_workspace, ContextSources.Default(_documents)), _models,
            () => new AssistSettings(), () => _folder);
        engine.History.Attach(_documents);
        return engine;
    }

    public void Dispose()
    {
        _models.Dispose();
        _workspace.Dispose();
        _temp.Dispose();
    }
}
