namespace CodeAssist.TestSupport;

/// <summary>
/// The small C# projects the tests load with MSBuildWorkspace, written once: the engine tests and the over-stdio tests
/// of one feature work on the same text, so a line number in one means the same line in the other.
/// </summary>
public static class SampleProjects
{
    /// <summary>The smallest SDK-style project MSBuildWorkspace loads without a restore.</summary>
    public const string MinimalProject =
        "<Project Sdk=\"Microsoft.NET.Sdk\">\n  <PropertyGroup>\n    <TargetFramework>net10.0</TargetFramework>\n  </PropertyGroup>\n</Project>\n";

    /// <summary>What `dotnet new classlib` writes: nullable and implicit usings on (Shop's code uses List without a using).</summary>
    public const string LibraryProject = """
        <Project Sdk="Microsoft.NET.Sdk">
          <PropertyGroup>
            <TargetFramework>net10.0</TargetFramework>
            <Nullable>enable</Nullable>
            <ImplicitUsings>enable</ImplicitUsings>
          </PropertyGroup>
        </Project>
        """;

    /// <summary>
    /// Shop: an order whose AddLine Checkout calls twice (lines 7 and 8 of <see cref="ShopCheckout"/>) and whose Total
    /// Checkout reads three times: what a signature change, a rename or a similar-line edit ripples through.
    /// </summary>
    public const string ShopOrder = """
        namespace Shop;

        public sealed class Order
        {
            private readonly List<decimal> _prices = new();

            public decimal Total => _prices.Sum();

            public void AddLine(string sku, decimal price)
            {
                _prices.Add(price);
            }
        }

        """;

    /// <summary>Checkout.cs of Shop (see <see cref="ShopOrder"/>).</summary>
    public const string ShopCheckout = """
        namespace Shop;

        public static class Checkout
        {
            public static decimal Basket()
            {
                var order = new Order();
                order.AddLine("tea", 2m);
                order.AddLine("milk", 1m);
                return order.Total;
            }

            public static void Print(Order order)
            {
                Console.WriteLine(order.Total);
                Console.WriteLine(order.Total);
            }
        }

        """;

    /// <summary>
    /// Depot's Program.cs for the context-echo model, with $0 where the test types. The marked members (Greek first
    /// letter) are declared in this file, where only the context source under test can carry them into the prompt
    /// (the echo model ignores the current file), except Stock's, whose declaration lives in <see cref="DepotStock"/>.
    /// </summary>
    public const string DepotProgram = """
        namespace Depot;

        public static class Program
        {
            public static int Run(Stock stock)
            {
                var crate = new Crate();
                $0
                return 0;
            }
        }

        public sealed class Crate
        {
            public int ΩWeight { get; set; }
        }

        public static class Shipping
        {
            public static void Send(int λCrates) { }
            public static void Send(string destination) { }
        }
        """;

    /// <summary>
    /// A Depot Program.cs cut after `stock.`: the members of Stock, declared in another file the editor never opens, are
    /// what the context must bring there (<see cref="DepotStockWith"/> writes that file).
    /// </summary>
    public const string DepotProgramAtStockDot = """
        namespace Depot;

        public static class Program
        {
            public static int Run(Stock stock)
            {
                var seen = stock.
                return 0;
            }
        }
        """;

    /// <summary>Depot's Stock.cs with one property (see <see cref="DepotProgramAtStockDot"/>).</summary>
    public static string DepotStockWith(string member) => $$"""
        namespace Depot;

        public sealed partial class Stock
        {
            public int {{member}} { get; set; }
        }
        """;

    /// <summary>Depot's Stock.cs (see <see cref="DepotProgram"/>).</summary>
    public const string DepotStock = """
        namespace Depot;

        public sealed class Stock
        {
            public int ΣReserved { get; set; }
        }
        """;

    /// <summary>Writes NAME/NAME.csproj and the sources into <paramref name="temp"/>; returns the project's folder.</summary>
    public static string WriteProject(this TempDirectory temp, string name, string project, params (string File, string Text)[] sources)
    {
        temp.WriteFile($"{name}/{name}.csproj", project);
        foreach (var (file, text) in sources)
            temp.WriteFile($"{name}/{file}", text);
        return temp.Combine(name);
    }
}
