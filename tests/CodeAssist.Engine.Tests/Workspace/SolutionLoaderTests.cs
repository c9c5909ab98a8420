using CodeAssist.Engine.Workspace;

namespace CodeAssist.Engine.Tests.Workspace;

public sealed class SolutionLoaderTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    [Fact]
    public async Task Loads_a_real_project_with_its_documents_and_framework_references()
    {
        var folder = _temp.Fixture("Shop");
        using var loader = new SolutionLoader();

        var result = await loader.LoadAsync(SolutionLoader.FindProjectSystem([folder]), null, CancellationToken.None);

        var project = Assert.Single(result.Solution!.Projects);
        Assert.Equal(
            ["Checkout.cs", "Order.cs", "PriceCalculator.cs"], project.Documents.Where(d => d.FilePath!.Contains("/src/")).Select(d => d.Name).Order());
        var compilation = await project.GetCompilationAsync();
        Assert.NotNull(compilation!.GetTypeByMetadataName("System.Collections.Generic.List`1"));
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error));
    }

    public void Dispose() => _temp.Dispose();
}
