using CodeAssist.Bench.Commands;
using CodeAssist.Engine.Evaluation;
using CodeAssist.Engine.Workspace;

namespace CodeAssist.Bench.Tests;

/// <summary>
/// `eval --next-edit` on a real project: cases generated with Roslyn (each first-edit kind), sent through the real
/// server with a scripted model, reach every required location, since the locations come from the compiler alone.
/// </summary>
public sealed class NextEditEvalTests : IDisposable
{
    private readonly TempDirectory _temp = new("codeassist-next-edit-eval-");

    private const string Order = """
        namespace Shop;

        public sealed class Order
        {
            private readonly List<decimal> _prices = new();

            public decimal Total() => _prices.Sum();

            public void AddLine(string sku, decimal price) => _prices.Add(price);

            public int Count() => _prices.Count;

            public bool Has(decimal price) => _prices.Contains(price);

            public bool Remove(decimal price) => _prices.Remove(price);

            public decimal Price(int index) => _prices[index];
        }

        """;

    private const string Checkout = """
        namespace Shop;

        public static class Checkout
        {
            public static decimal Basket()
            {
                var order = new Order();
                order.AddLine("tea", 2m);
                decimal total = order.Total();
                int count = order.Count();
                bool cheap = order.Has(1m);
                bool removed = order.Remove(2m);
                decimal first = order.Price(0);
                return total + count + first + (cheap || removed ? 1 : 0);
            }
        }

        """;

    [Fact]
    public async Task Generated_cases_of_every_kind_reach_full_location_accuracy_through_the_server_with_a_scripted_model()
    {
        var folder = _temp.WriteProject("Shop", SampleProjects.LibraryProject, ("Order.cs", Order), ("Checkout.cs", Checkout));
        var model = _temp.ScriptedModel("        order.AddLine(\"tea\", 2m, default);\n");
        IReadOnlyList<NextEditCase> cases;
        using (var workspace = new CodeWorkspace { WarmCompilationsAfterLoad = false })
        {
            var load = await workspace.LoadProjectsAsync(SolutionLoader.FindProjectSystem([folder]), null, CancellationToken.None);
            cases = await NextEditCases.GenerateAsync(load.Solution!, 8, seed: 1, CancellationToken.None);
        }
        Assert.Equal(Enum.GetValues<FirstEditKind>(), cases.Select(c => c.Kind).Distinct().Order());
        Assert.All(cases, c => Assert.NotEmpty(c.Required));
        var rename = cases.First(c => c.Kind == FirstEditKind.RenameMember);
        Assert.Contains("Renamed(", Assert.Single(rename.Required).ExpectedLine);

        var report = await NextEditEval.MeasureAsync(folder, cases, model, CancellationToken.None);

        Assert.Equal(cases.Count, report.Cases);
        Assert.True(report.LocationAccuracy == 1.0, report.Describe() + string.Join("\n", report.Results));
        Assert.All(report.Results, r => Assert.Null(r.Error));
    }

    public void Dispose() => _temp.Dispose();
}
