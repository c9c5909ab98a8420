using CodeAssist.Engine.Completion.PostProcessing;
using CodeAssist.Engine.Documents;
using CodeAssist.Engine.Workspace;

namespace CodeAssist.Engine.Tests.Completion;

/// <summary>
/// Suggestions are bound into the document against the loaded project's last compilation before they are shown: the
/// ones that add a compiler error are cut or dropped, and code that is merely unfinished passes.
/// </summary>
public sealed class SuggestionCompilerCheckTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly DocumentStore _documents = new();
    private readonly CodeWorkspace _workspace = new();
    private readonly string _folder;

    public SuggestionCompilerCheckTests()
    {
        _documents.Changed += _workspace.Update;
        _folder = _temp.Fixture("Shop");
    }

    private const string Checkout = """
        namespace Shop;

        public sealed class Checkout
        {
            public decimal Complete(Order order, List<string> names, string[] args)
            {
                foreach (var name in args)
                {
                    $0
                }
                return order.Total;
            }
        }
        """;

    /// <summary>`$0` in the line is where the user's cursor is; the suggestion goes there.</summary>
    private async Task<CompilerCheckResult> Check(string line, string suggestion)
    {
        Assert.NotNull((await _workspace.LoadProjectsAsync(SolutionLoader.FindProjectSystem([_folder]), null, CancellationToken.None)).Solution);
        await _workspace.Warming;
        var markup = Checkout.Replace("$0", line);
        var offset = markup.IndexOf("$0", StringComparison.Ordinal);
        var document = _documents.Open(new Uri(Path.Combine(_folder, "src/Checkout.cs")), "csharp", 1, markup.Remove(offset, 2));
        return await new SuggestionCompilerCheck(_workspace).CheckAsync(document, offset, suggestion, CancellationToken.None);
    }

    [Theory]
    [InlineData("names.A$0", "dd(name);")]                                  // the overload that exists
    [InlineData("var total = order.$0", "Lines.Sum(l => l.Price * l.Quantity);")]
    [InlineData("var total = order.$0", "Lines.Sum(l => l.Price")]           // unfinished: the call closes on a later keystroke
    [InlineData("var gross = PriceCalculator.WithTax($0", "order.Total, ")]  // unfinished argument list
    [InlineData("if (names.Count > 0$0", ")")]                               // a statement whose body comes next
    [InlineData("Undefined.Call($0", "name);")]                              // the error is the document's own, before the cursor
    [InlineData("Undefined.$0", "Call(name);")]                              // a member of the document's own unknown name
    public async Task Suggestions_that_add_no_compiler_error_pass_unchanged(string line, string suggestion)
    {
        var result = await Check(line, suggestion);

        Assert.Equal(new CompilerCheckResult(suggestion, CompilerVerdict.Accepted), result);
    }

    [Fact]
    public async Task A_wrong_overload_is_not_shown()
    {
        // The report that started it: List<string>.Add takes one argument.
        var result = await Check("names.A$0", "dd(name, \"name\");");

        Assert.NotEqual(CompilerVerdict.Accepted, result.Verdict);
        Assert.DoesNotContain("\"name\"", result.Text ?? "");
        Assert.Contains("names.Add(name, \"name\")", result.Error);
    }

    [Fact]
    public async Task An_unknown_member_is_cut_before_it()
    {
        var result = await Check("var total = order.$0", "Lines.Summary(l => l.Price);");

        // Cut where the editor's member list takes over.
        Assert.Equal(new CompilerCheckResult("Lines.", CompilerVerdict.Cut, "no symbol named `Summary`"), result);
    }

    [Fact]
    public async Task A_type_mismatch_is_not_shown()
    {
        var result = await Check("int count = names.$0", "First();");

        Assert.NotEqual(CompilerVerdict.Accepted, result.Verdict);
        Assert.DoesNotContain("First()", result.Text ?? "");
        Assert.StartsWith("no implicit conversion from string to int", result.Error);
    }

    [Fact]
    public async Task A_file_outside_any_loaded_project_is_not_checked()
    {
        // Its compiler view lacks the rest of the user's code: an unknown name there may well exist.
        var path = Path.Combine(_temp.Path, "Loose.cs");
        var markup = Checkout.Replace("$0", "names.A");
        var document = _documents.Open(new Uri(path), "csharp", 1, markup);
        var offset = markup.IndexOf("names.A", StringComparison.Ordinal) + "names.A".Length;

        var result = await new SuggestionCompilerCheck(_workspace).CheckAsync(document, offset, "ddMissing(name);", CancellationToken.None);

        Assert.Equal(CompilerVerdict.Unchecked, result.Verdict);
    }

    public void Dispose()
    {
        _workspace.Dispose();
        _temp.Dispose();
    }
}
