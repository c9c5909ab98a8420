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

    /// <summary>The same file with the cursor's line among the class's members, after a field.</summary>
    private const string CheckoutMembers = """
        namespace Shop;

        public sealed class Checkout
        {
            private readonly List<string> _names = new();

            $0

            public decimal Complete(Order order) => order.Total;
        }
        """;

    /// <summary>`$0` in the line is where the user's cursor is (in a statement of <see cref="Checkout"/>); the suggestion goes there.</summary>
    private Task<CompilerCheckResult> Check(string line, string suggestion) => CheckFile(_folder, "src/Checkout.cs", Checkout.Replace("$0", line), suggestion);

    /// <summary>The same with the cursor's line among <see cref="CheckoutMembers"/>.</summary>
    private Task<CompilerCheckResult> CheckMember(string line, string suggestion) =>
        CheckFile(_folder, "src/Checkout.cs", CheckoutMembers.Replace("$0", line), suggestion);

    /// <summary>
    /// The project in <paramref name="folder"/> loaded, <paramref name="path"/> opened with <paramref name="markup"/>'s text, and the
    /// suggestion checked at its `$0`.
    /// </summary>
    private async Task<CompilerCheckResult> CheckFile(string folder, string path, string markup, string suggestion) =>
        (await CheckFileBinding(folder, path, markup, suggestion)).Result;

    /// <summary>The same, with how the check bound the suggestion.</summary>
    private async Task<(CompilerCheckResult Result, CompilerBinding Binding)> CheckFileBinding(string folder, string path, string markup, string suggestion)
    {
        Assert.NotNull((await _workspace.LoadProjectsAsync(SolutionLoader.FindProjectSystem([folder]), null, CancellationToken.None)).Solution);
        await _workspace.Warming;
        var offset = markup.IndexOf("$0", StringComparison.Ordinal);
        var document = _documents.Open(new Uri(Path.Combine(folder, path)), "csharp", 1, markup.Remove(offset, 2));
        var check = new SuggestionCompilerCheck(_workspace);
        var binding = CompilerBinding.None;
        check.Checked += (_, cost) => binding = cost.Binding;
        var result = await check.CheckAsync(document, offset, suggestion, CancellationToken.None);
        return (result, binding);
    }

    private static void AssertNotShownWhole(CompilerCheckResult result, string suggestion, string error)
    {
        Assert.NotEqual(CompilerVerdict.Accepted, result.Verdict);
        Assert.NotEqual(suggestion, result.Text);
        Assert.StartsWith(error, result.Error);
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
        Assert.StartsWith("CS1501: No overload for method 'Add' takes 2 arguments", result.Error);
    }

    [Fact]
    public async Task An_unknown_member_is_cut_before_it()
    {
        var result = await Check("var total = order.$0", "Lines.Summary(l => l.Price);");

        // Cut where the editor's member list takes over.
        Assert.Equal(("Lines.", CompilerVerdict.Cut), (result.Text, result.Verdict));
        Assert.StartsWith("CS1061: 'IReadOnlyList<OrderLine>' does not contain a definition for 'Summary'", result.Error);
    }

    [Fact]
    public async Task A_type_mismatch_is_not_shown()
    {
        var result = await Check("int count = names.$0", "First();");

        Assert.NotEqual(CompilerVerdict.Accepted, result.Verdict);
        Assert.DoesNotContain("First()", result.Text ?? "");
        Assert.StartsWith("CS0029: Cannot implicitly convert type 'string' to 'int'", result.Error);
    }

    [Theory]
    [InlineData("if (names.Count > 0)$0", " var first = names[0];", "CS1023")]   // a declaration as an embedded statement
    [InlineData("$0", "order.Total = 0;", "CS0200")]                                  // a property without a setter
    [InlineData("$0", "int count; names.Add(count.ToString());", "CS0165")]          // flow analysis: a local never assigned
    public async Task Statements_the_compiler_refuses_are_not_shown_whole(string line, string suggestion, string error)
    {
        // Errors that are no invalid operation: the check before #20's second session let them through.
        AssertNotShownWhole(await Check(line, suggestion), suggestion, error);
    }

    /// <summary>
    /// Inside a method body the suggestion is bound speculatively, and each rule of <see cref="SpeculativeErrors"/> finds
    /// the error the compiler reports (the fork, which has the compiler's own diagnostics, is not made).
    /// </summary>
    [Theory]
    [InlineData("$0", "Frobnicate(name);", "CS0103")]                               // a name that exists nowhere
    [InlineData("$0", "var rounded = PriceCalculator.Rounded(order.Total);", "CS0117")] // a static member the type lacks
    [InlineData("$0", "var seen = new HashSett<string>();", "CS0246")]              // a type that exists nowhere
    [InlineData("$0", "var sorted = System.Collectionz.Sort(names);", "CS0234")]    // a namespace's member that does not exist
    [InlineData("$0", "names.Add(order);", "CS1503")]                               // an argument of the wrong type
    [InlineData("$0", "var copy = new Order(name, 1);", "CS1729")]                  // no constructor takes the arguments
    [InlineData("$0", "Console.WriteLine(null);", "CS0121")]                        // an ambiguous call
    [InlineData("$0", "order._lines.Clear();", "CS0122")]                           // an inaccessible member
    [InlineData("$0", "Order.AddLine(name, 1m);", "CS0120")]                        // an instance member through its type
    [InlineData("$0", "var none = name.Empty;", "CS0176")]                          // a static member through an instance
    [InlineData("$0", "var total = order.Total();", "CS1955")]                      // a property called
    [InlineData("$0", "var pairs = new List<string, int>();", "CS0305")]            // the wrong number of type arguments
    [InlineData("$0", "Shop basket = null;", "CS0118")]                             // a namespace used as a type
    [InlineData("$0", "var kind = Order;", "CS0119")]                               // a type used as a value
    [InlineData("$0", "var disposable = new IDisposable();", "CS0144")]             // an interface created
    [InlineData("$0", "var number = (int)name;", "CS0030")]                         // a cast that does not exist
    [InlineData("$0", "int quantity = order.Total;", "CS0266")]                     // an explicit conversion used implicitly
    [InlineData("$0", "int next = () => 1;", "CS1660")]                             // a lambda to a non-delegate
    [InlineData("$0", "decimal none = null;", "CS0037")]                            // null to a value type
    [InlineData("$0", "var less = name - 1;", "CS0019")]                            // a binary operator no operand type takes
    [InlineData("$0", "var fewer = names.Count < names;", "CS0019")]                // a comparison (bool whatever its operands)
    [InlineData("$0", "var cleared = names.Clear();", "CS0815")]                     // a void value in an implicitly typed local
    [InlineData("$0", "var shown = Console.WriteLine($\"{missing}\");", "CS0815")]  // the same, whatever its argument's own error
    // A method group neither called nor converted: the compiler says CS0119; the binder's candidate reason is an
    // overload failure without a call, which the rule names CS0123 (the code differs, the suggestion is refused all the same).
    [InlineData("$0", "var cleared = names.Clear.ToString();", "CS0123")]
    [InlineData("$0", "var negated = -name;", "CS0023")]                            // a unary operator the operand's type lacks
    [InlineData("$0", "return;", "CS0126")]                                         // no value where the method returns one
    [InlineData("$0", "void Log() { return name; }", "CS0127")]                     // a value where the function returns none
    [InlineData("$0", "await Task.Delay(1);", "CS4032")]                            // await outside an async method
    [InlineData("$0", "var either = name.Length > 0 ? 1 : name;", "CS0173")]       // a conditional whose branches have no common type
    [InlineData("$0", "var unset;", "CS0818")]                                       // an implicitly typed local without a value
    [InlineData("$0", "var copy = later; var later = name;", "CS0841")]             // a local used before its declaration
    [InlineData("$0", "var nothing = null;", "CS0815")]                             // an implicitly typed local without a type
    [InlineData("$0", "names.Count() = 3;", "CS0131")]                              // an assignment to a value
    [InlineData("$0", "names.Count + 1;", "CS0201")]                                // an expression that is no statement
    [InlineData("$0", "void Stop() { break; }", "CS0139")]                           // break outside a loop (a local function's body is none)
    [InlineData("$0", "var first = 1; var first = 2;", "CS0128")]                   // a local declared twice in a scope
    [InlineData("$0", "var order = name;", "CS0136")]                               // a local over a parameter
    public async Task Errors_in_a_method_body_are_found_by_speculative_binding(string line, string suggestion, string error)
    {
        var (result, binding) = await CheckFileBinding(_folder, "src/Checkout.cs", Checkout.Replace("$0", line), suggestion);

        AssertNotShownWhole(result, suggestion, error);
        Assert.Equal(CompilerBinding.Speculative, binding);
    }

    [Fact]
    public async Task A_readonly_field_assigned_in_a_method_is_not_shown()
    {
        const string Markup = """
            namespace Shop;

            public sealed class Checkout
            {
                private readonly List<string> _names = new();

                public void Reset()
                {
                    $0
                }
            }
            """;

        var (result, binding) = await CheckFileBinding(_folder, "src/Checkout.cs", Markup, "_names = new();");

        AssertNotShownWhole(result, "_names = new();", "CS0191");
        Assert.Equal(CompilerBinding.Speculative, binding);
    }

    /// <summary>Code that compiles, in the shapes the rules look at, passes speculative binding unchanged.</summary>
    [Theory]
    [InlineData("var count = order.Lines.Count;")]
    [InlineData("Console.WriteLine(nameof(order));")]
    [InlineData("var pair = (first: name, count: 1); names.Add(pair.first);")]
    [InlineData("var row = new { Name = name }; names.Add(row.Name);")]
    [InlineData("dynamic loose = name; loose.Anything();")]
    [InlineData("if (name is { Length: > 3 } longName) names.Add(longName);")]
    [InlineData("foreach (object item in names) { Console.WriteLine(item); }")]
    [InlineData("byte small = 1; long wide = small; int narrowed = (int)wide; names.Add(narrowed.ToString());")]
    [InlineData("var copy = new Order(name);")]
    [InlineData("int count; count = 1; names.Add(count.ToString());")]
    [InlineData("if (!int.TryParse(name, out var parsed)) continue; names.Add(parsed.ToString());")]
    [InlineData("_ = order.Total;")]
    [InlineData("var lines = order.Lines.Where(l => l.Quantity > 1).ToList();")]
    [InlineData("order.AddLine(name, 1m, quantity: 2);")]
    [InlineData("var lengths = names.ToDictionary(n => n, n => n.Length);")]
    [InlineData("names.ForEach(n => Console.WriteLine(n));")]
    [InlineData("int Twice(int value) { return value * 2; } names.Add(Twice(2).ToString());")]
    [InlineData("var discounted = order.Discounted(10);")]
    [InlineData("if (name.Length == 0) break;")]
    [InlineData("return order.Total;")]
    [InlineData("var ok = name.Length > 0 && names.Count < 3 || name == \"x\";")]
    [InlineData("Func<string, bool> isEmpty = string.IsNullOrEmpty; var label = nameof(names.Add);")]
    public async Task Code_that_compiles_passes_speculative_binding(string suggestion)
    {
        var (result, binding) = await CheckFileBinding(_folder, "src/Checkout.cs", Checkout, suggestion);

        Assert.Equal(new CompilerCheckResult(suggestion, CompilerVerdict.Accepted), result);
        Assert.Equal(CompilerBinding.Speculative, binding);
    }

    /// <summary>
    /// Property bodies, accessors and field initializers change no declaration either: they are bound speculatively
    /// (an expression body or an initializer as Roslyn's speculative models bind them), not in a fork.
    /// </summary>
    [Theory]
    [InlineData("public int Count => _names.$0", "Length;", "CS1061")]                              // an expression-bodied property
    [InlineData("public int Count { get { return _names.$0 } }", "Length;", "CS1061")]              // a getter's block body
    [InlineData("public string Last { set => _names.$0 }", "Add(value, 1);", "CS1501")]             // a setter's expression body
    [InlineData("public string this[int index] => _names[index].$0", "Lenght.ToString();", "CS1061")] // an expression-bodied indexer
    [InlineData("private readonly int _limit = $0", "\"ten\";", "CS0029")]                         // a field's initializer
    // A lambda in an initializer: the compiler reports CS1061 in the lambda; the rules name the call it fails (CS1503).
    [InlineData("private readonly List<int> _sizes = $0", "_names.Select(n => n.Size).ToList();", "CS1503")]
    public async Task Errors_in_members_without_a_declaration_change_are_found_by_speculative_binding(string line, string suggestion, string error)
    {
        var (result, binding) = await CheckFileBinding(_folder, "src/Checkout.cs", CheckoutMembers.Replace("$0", line), suggestion);

        AssertNotShownWhole(result, suggestion, error);
        Assert.Equal(CompilerBinding.Speculative, binding);
    }

    [Theory]
    [InlineData("public int Count => _names.$0", "Count;")]
    [InlineData("public int Count { get { return _names.$0 } }", "Count;")]
    [InlineData("public string Last { set => _names.$0 }", "Add(value);")]
    [InlineData("public string this[int index] => _names[index].$0", "Trim();")]
    [InlineData("private readonly int _limit = $0", "10;")]
    [InlineData("private readonly List<int> _sizes = $0", "new() { 1, 2 };")]
    public async Task Members_without_a_declaration_change_that_compile_pass_speculative_binding(string line, string suggestion)
    {
        var (result, binding) = await CheckFileBinding(_folder, "src/Checkout.cs", CheckoutMembers.Replace("$0", line), suggestion);

        Assert.Equal(new CompilerCheckResult(suggestion, CompilerVerdict.Accepted), result);
        Assert.Equal(CompilerBinding.Speculative, binding);
    }

    /// <summary>
    /// A statement's check binds that statement, not the method: the statement at the cursor, the one that holds a
    /// lambda the cursor is in (its call decides the lambda's types), none on a blank line; the syntax rules still see
    /// the whole body, so a local that a later statement declares again is found.
    /// </summary>
    [Theory]
    // Inside a lambda, bound with its call: the compiler reports CS1061 in the lambda; the rules name the call it fails (CS1503).
    [InlineData("names.ForEach(n => $0);", "Console.WriteLine(n.Lenght)", "CS1503")]
    [InlineData("if (name.Length > 0) { $0 }", "names.Add(name, 2);", "CS1501")]      // inside a nested block
    [InlineData("$0\n var later = name;", "var later = 1;", "CS0128")]               // a later statement's local declared again
    [InlineData("var count = 1;\n $0", "count = \"one\";", "CS0029")]               // an earlier statement's local, typed by its binding
    [InlineData("var label = $0\n names.Add(label);", "1;", "CS1503")]                 // a later statement that names the local it declares
    public async Task Errors_are_found_when_only_the_touched_statements_are_bound(string line, string suggestion, string error)
    {
        var markup = Checkout.Replace("$0", line);
        var (result, binding) = await CheckFileBinding(_folder, "src/Checkout.cs", markup, suggestion);

        AssertNotShownWhole(result, suggestion, error);
        Assert.Equal(CompilerBinding.Speculative, binding);
    }

    [Theory]
    [InlineData("        var first = 1;\n        $0\n        var third = 3;", "")]                 // a blank line: nothing to bind
    [InlineData("        var first = 1;\n        var second = first$0;", "var second = first;")]
    [InlineData("        names.ForEach(n => { Console.WriteLine(n$0); });", "names.ForEach(n => { Console.WriteLine(n); });")]
    [InlineData("        if (name.Length > 0)\n        {\n            names.Add(name$0);\n        }", "names.Add(name);")]
    public void The_statements_a_region_touches_are_those_at_the_cursor(string lines, string expected)
    {
        var markup = "class C\n{\n    void M(List<string> names, string name)\n    {\n" + lines + "\n    }\n}\n";
        var offset = markup.IndexOf("$0", StringComparison.Ordinal);
        var root = Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText(markup.Remove(offset, 2)).GetRoot();
        var body = SemanticModelReuse.SpeculativeBodyAt(root, offset)!;

        var touched = SpeculativeErrors.Touched(body, new Microsoft.CodeAnalysis.Text.TextSpan(offset, 0));

        Assert.Equal(expected, string.Join(" | ", touched.Select(n => n.ToString())));
    }

    [Fact]
    public async Task A_declaration_is_bound_in_a_fork()
    {
        var (result, binding) = await CheckFileBinding(_folder, "src/Checkout.cs", CheckoutMembers, "public int Count => _names.Count;");

        Assert.Equal(CompilerVerdict.Accepted, result.Verdict);
        Assert.Equal(CompilerBinding.Fork, binding);
    }

    [Theory]
    [InlineData("private readonly Dictionary<string, $0", "Custmer> _byName = new();", "CS0246")]  // a bad type in a field
    [InlineData("private readonly int _limit = $0", "\"ten\";", "CS0029")]                       // a field initializer of the wrong type
    [InlineData("public override string $0", "ToStrin() => \"checkout\";", "CS0115")]              // a wrong member in a declaration
    [InlineData("public int Count => _names.$0", "Length;", "CS1061")]                            // an expression-bodied member
    [InlineData("[Obsolete($0", "\"use Total\", 3)]", "CS1503")]                                 // an attribute's argument
    [InlineData("$0", "public void Add(string name, string name) => _names.Add(name);", "CS0100")] // a duplicate parameter
    public async Task Declarations_the_compiler_refuses_are_not_shown_whole(string line, string suggestion, string error)
    {
        AssertNotShownWhole(await CheckMember(line, suggestion), suggestion, error);
    }

    [Theory]
    [InlineData("private readonly Dictionary<string, $0", "Order> _byCustomer = new();")]
    [InlineData("private readonly Dictionary<string, $0", "Order")]                        // unfinished: the type argument list closes later
    [InlineData("public decimal Discount($0", "Order order, decimal percent")]             // unfinished parameter list, no body yet
    [InlineData("public override string $0", "ToString() => \"checkout\";")]
    [InlineData("public int Count => _names.$0", "Count;")]
    [InlineData("[Obsolete($0", "\"use Total\")]")]
    [InlineData("$0", "public void Add(string name) => _names.Add(name);")]
    [InlineData("$0", "public sealed record Entry(string Name);")]                     // a type without braces
    public async Task Declarations_that_add_no_compiler_error_pass_unchanged(string line, string suggestion)
    {
        Assert.Equal(new CompilerCheckResult(suggestion, CompilerVerdict.Accepted), await CheckMember(line, suggestion));
    }

    [Theory]
    [InlineData("using System.Collections.$0", "Concurrent;", CompilerVerdict.Accepted, null)]
    [InlineData("using System.Collections.$0", "Concurrentt;", CompilerVerdict.Dropped, "CS0234")]
    public async Task Using_directives_are_checked(string line, string suggestion, CompilerVerdict verdict, string? error)
    {
        var result = await CheckFile(_folder, "src/Checkout.cs", line + "\n\n" + CheckoutMembers.Replace("$0", ""), suggestion);

        Assert.Equal(verdict, result.Verdict);
        Assert.Equal(error, result.Error?[..6]);
    }

    [Theory]
    [InlineData("names.Add(\"ada\");", CompilerVerdict.Accepted, null)]
    [InlineData("names.Add(1);", CompilerVerdict.Cut, "CS1503")]
    public async Task Top_level_statements_are_checked(string suggestion, CompilerVerdict verdict, string? error)
    {
        var folder = Path.Combine(_temp.Path, "Tool");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "Tool.csproj"), """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
              </PropertyGroup>
            </Project>
            """);
        const string Program = "var names = new List<string>();\n$0\nConsole.WriteLine(names.Count);\n";
        File.WriteAllText(Path.Combine(folder, "Program.cs"), Program.Replace("$0", ""));

        var result = await CheckFile(folder, "Program.cs", Program, suggestion);

        Assert.Equal((verdict, error), (result.Verdict, result.Error?[..6]));
        // Cut before the argument of the wrong type, where the editor's parameter help takes over.
        Assert.DoesNotContain("1", result.Text);
        Assert.Equal(verdict == CompilerVerdict.Cut ? "names.Add(" : suggestion, result.Text);
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
