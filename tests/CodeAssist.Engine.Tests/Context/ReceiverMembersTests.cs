using CodeAssist.Engine.Context;
using CodeAssist.Engine.Context.Sources;
using CodeAssist.Engine.Documents;
using CodeAssist.Engine.Workspace;
using CodeAssist.ModelFactory;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace CodeAssist.Engine.Tests.Context;

/// <summary>
/// After a dot the member list looks extension methods up only as far as the list needs them, and the candidates in
/// scope are kept per compilation: the list must be the one a full lookup ranks first, and a new extension method
/// must show as soon as it is declared.
/// </summary>
public sealed class ReceiverMembersTests : IDisposable
{
    private const int MaxMembers = 60;

    private readonly TempDirectory _temp = new();
    private readonly DocumentStore _documents = new();
    private readonly CodeWorkspace _workspace = new();
    private readonly string _folder;
    private int _version = 1;

    public ReceiverMembersTests()
    {
        _documents.Changed += _workspace.Update;
        _folder = _temp.Fixture("Shop");
    }

    private static int CountTokens(string text) => ByteLevelBpeTokenizer.Default.Encode(text).Count;

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

    private async Task<(CompletionContext Context, DocumentSnapshot Document, int Offset)> ContextAt(string markup)
    {
        if (!_workspace.HasLoadedProjects)
        {
            Assert.NotNull((await _workspace.LoadProjectsAsync(SolutionLoader.FindProjectSystem([_folder]), null, CancellationToken.None)).Solution);
            await _workspace.Warming;
        }
        var offset = markup.IndexOf("$0", StringComparison.Ordinal);
        var uri = new Uri(Path.Combine(_folder, "src/Checkout.cs"));
        var document = _documents.TryGet(uri) is { } open
            ? _documents.Change(uri, _version++, [new DocumentEdit((0, 0), open.PositionOf(open.Text.Length), markup.Remove(offset, 2))])
            : _documents.Open(uri, "csharp", _version++, markup.Remove(offset, 2));
        // A budget large enough for the whole list: what is compared is the list, not how much of it fits.
        var context = await new ContextBuilder(_workspace, ContextSources.Default(_documents))
            .BuildAsync(document, offset, 16000, CountTokens, _folder, CancellationToken.None);
        return (context, document, offset);
    }

    /// <summary>
    /// The list as the full lookup gives it: every member and every extension method reduced to the receiver, those
    /// whose name starts with what is typed first, ranked, then one line per name with its overload count.
    /// </summary>
    private async Task<string> FullLookupList(DocumentSnapshot snapshot, int offset)
    {
        var document = _workspace.GetDocument(snapshot)!;
        var model = (await document.GetSemanticModelAsync())!;
        var root = await document.GetSyntaxRootAsync();
        var access = root!.FindToken(offset - 1).Parent!.AncestorsAndSelf().OfType<MemberAccessExpressionSyntax>().First();
        var name = access.Name.Identifier;
        var typed = name.IsMissing || offset <= name.SpanStart ? "" : name.ValueText[..(offset - name.SpanStart)];
        var type = model.GetTypeInfo(access.Expression).Type!;
        var ranked = model.LookupSymbols(access.OperatorToken.SpanStart + 1, type, includeReducedExtensionMethods: true)
            .Where(m => !m.IsImplicitlyDeclared && m.CanBeReferencedByName
                && (!m.IsStatic || m is INamedTypeSymbol || m is IMethodSymbol { ReducedFrom: not null }))
            .Where(m => m is not IMethodSymbol { MethodKind: MethodKind.Constructor })
            .OrderBy(m => typed.Length > 0 && m.Name.StartsWith(typed, StringComparison.OrdinalIgnoreCase) ? 0 : 1)
            .ThenBy(m => m is IMethodSymbol { ReducedFrom: not null } ? 2 : SymbolEqualityComparer.Default.Equals(m.ContainingType, type) ? 0 : 1)
            .ThenBy(m => m.Name, StringComparer.Ordinal);
        return string.Join("\n", ranked.Take(MaxMembers).GroupBy(m => m.Name, StringComparer.Ordinal).Select(group =>
        {
            var overloads = group.Select(SignatureFormat.Of).Distinct().Count();
            return SignatureFormat.Of(group.First()) + (overloads > 1 ? $" // +{overloads - 1} overloads" : "");
        }));
    }

    /// <summary>The list's entries, without the header and the comment markers the piece has above the cursor's line.</summary>
    private static string ListOf(CompletionContext context) =>
        string.Join("\n", Assert.Single(context.Pieces, p => p.Kind == "members").Text.Split('\n').Skip(1).Select(line => line.TrimStart()["// ".Length..]));

    [Theory]
    [InlineData("order.")]                  // a class with a few members: its own, object's, then every extension that takes it
    [InlineData("order.Lines.")]            // IReadOnlyList<T>: four members, then fifty-odd LINQ methods
    [InlineData("new List<OrderLine>().")]  // List<T>: its own members nearly fill the list, then the first LINQ names
    [InlineData("order.Customer.")]         // string: its own members fill the list, no extension method makes it
    [InlineData("order.Lines.ToArray().")]  // an array: Array's members, then LINQ through the interfaces arrays implement
    [InlineData("order.Lines.Select(l => l.Price).")] // IEnumerable<decimal>: Average and Sum overloads for decimal and generic ones, in Roslyn's order
    public async Task The_member_list_is_the_one_a_full_lookup_ranks_first(string receiver)
    {
        var (context, document, offset) = await ContextAt(CheckoutWithCursor.Replace("$0", "var probe = " + receiver + "$0"));

        Assert.Equal(await FullLookupList(document, offset), ListOf(context));
    }

    [Theory]
    [InlineData("item.")]   // a type parameter constrained to a sequence
    [InlineData("plain.")]  // an unconstrained type parameter: object's members, no extension method takes it
    public async Task The_member_list_of_a_type_parameter_is_the_one_a_full_lookup_ranks_first(string receiver)
    {
        var markup = """
            using static System.Linq.Enumerable;

            namespace Shop;

            public sealed class Checkout
            {
                public int Pick<T, U>(T item, U plain) where T : IEnumerable<int>
                {
                    var probe = $0
                    return 0;
                }
            }
            """.Replace("$0", receiver + "$0");
        var (context, document, offset) = await ContextAt(markup);

        Assert.Equal(await FullLookupList(document, offset), ListOf(context));
    }

    [Fact]
    public async Task An_extension_method_declared_in_another_file_shows_at_the_next_keystroke()
    {
        var (before, _, _) = await ContextAt(CheckoutWithCursor.Replace("$0", "var probe = order.$0"));
        Assert.Contains("Discounted(decimal percent)", ListOf(before));
        Assert.DoesNotContain("Doubled", ListOf(before));
        var basesBefore = _workspace.SemanticModels.BasesBuilt;

        var calculator = new Uri(Path.Combine(_folder, "src/PriceCalculator.cs"));
        _documents.Open(calculator, "csharp", _version++, File.ReadAllText(calculator.LocalPath)
            .Replace(
                "public static decimal Discounted(",
                "public static decimal Doubled(this Order order) => order.Total * 2;\n\n    public static decimal Discounted(",
                StringComparison.Ordinal));
        var (after, document, offset) = await ContextAt(CheckoutWithCursor.Replace("$0", "var probe = order.D$0"));

        Assert.Contains("decimal Doubled();", ListOf(after));
        Assert.Equal(await FullLookupList(document, offset), ListOf(after));
        Assert.True(_workspace.SemanticModels.BasesBuilt > basesBefore, "a declaration changed, so the next build needs a new compilation");
    }

    [Fact]
    public async Task What_is_typed_of_the_name_ranks_the_members_that_start_with_it_first_and_a_method_group_takes_one_line()
    {
        var (context, document, offset) = await ContextAt(CheckoutWithCursor.Replace("$0", "System.Console.Out.WriteL$0"));

        var list = ListOf(context).Split('\n');
        // By name alone, TextWriter's WriteLine would come after its eighteen Write and WriteAsync overloads.
        Assert.StartsWith("public virtual void WriteLine(", list[0]);
        Assert.EndsWith(" overloads", list[0]);
        Assert.Single(list, line => line.Contains(" WriteLine(", StringComparison.Ordinal));
        Assert.Equal(await FullLookupList(document, offset), ListOf(context));
    }

    public void Dispose()
    {
        _workspace.Dispose();
        _temp.Dispose();
    }
}
