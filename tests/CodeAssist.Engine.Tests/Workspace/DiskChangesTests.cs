using CodeAssist.Engine.Documents;
using CodeAssist.Engine.Workspace;
using Microsoft.CodeAnalysis;

namespace CodeAssist.Engine.Tests.Workspace;

/// <summary>
/// Files that change on disk outside the editor (a generated file, a `git checkout`) reach the Roslyn workspace, on a
/// real project MSBuildWorkspace loads.
/// </summary>
public sealed class DiskChangesTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly CodeWorkspace _workspace = new();

    private async Task<string> LoadShop()
    {
        var folder = _temp.Fixture("Shop");
        Assert.NotNull((await _workspace.LoadProjectsAsync(SolutionLoader.FindProjectSystem([folder]), null, CancellationToken.None)).Solution);
        await _workspace.Warming;
        return folder;
    }

    private Project Shop => _workspace.CurrentSolution.Projects.Single(p => p.Name == "Shop");

    private async Task<INamedTypeSymbol?> TypeNamed(string name) => (await Shop.GetCompilationAsync())!.GetTypeByMetadataName(name);

    [Fact]
    public async Task A_closed_file_edited_on_disk_takes_the_new_text()
    {
        var folder = await LoadShop();
        var order = Path.Combine(folder, "src", "Order.cs");
        File.WriteAllText(order, File.ReadAllText(order) + "\npublic sealed class Refund { }\n");

        Assert.Equal(1, _workspace.ApplyDiskChanges([order]));

        Assert.NotNull(await TypeNamed("Shop.Refund")); // Order.cs declares the file-scoped namespace Shop.
        // The same event again changes nothing: what is on disk is what the workspace has.
        Assert.Equal(0, _workspace.ApplyDiskChanges([order]));
    }

    [Fact]
    public async Task A_new_file_joins_the_project_whose_folder_holds_it_but_build_output_does_not()
    {
        var folder = await LoadShop();
        var added = Path.Combine(folder, "src", "Invoice.cs");
        File.WriteAllText(added, "public sealed class Invoice { }\n");
        var generated = Path.Combine(folder, "obj", "Generated.cs");
        Directory.CreateDirectory(Path.GetDirectoryName(generated)!);
        File.WriteAllText(generated, "public sealed class Generated { }\n");

        Assert.Equal(1, _workspace.ApplyDiskChanges([added, generated]));

        Assert.NotNull(await TypeNamed("Invoice"));
        Assert.Null(await TypeNamed("Generated"));
    }

    [Fact]
    public async Task An_open_document_keeps_the_editors_text_when_its_file_changes_on_disk()
    {
        var folder = await LoadShop();
        var order = Path.Combine(folder, "src", "Order.cs");
        var documents = new DocumentStore();
        documents.Changed += _workspace.Update;
        var snapshot = documents.Open(new Uri(order), "csharp", 1, File.ReadAllText(order) + "\n// typed in the editor\n");
        File.WriteAllText(order, "// rewritten on disk\n");

        Assert.Equal(0, _workspace.ApplyDiskChanges([order]));

        Assert.EndsWith("// typed in the editor\n", (await _workspace.GetDocument(snapshot)!.GetTextAsync()).ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_branch_switch_that_changes_adds_and_deletes_many_files_is_one_consistent_batch()
    {
        var folder = await LoadShop();
        var src = Path.Combine(folder, "src");
        var checkout = Path.Combine(src, "Checkout.cs");
        File.Delete(checkout);
        var added = Enumerable.Range(0, 200).Select(i => Path.Combine(src, "Generated", $"Part{i}.cs")).ToList();
        Directory.CreateDirectory(Path.Combine(src, "Generated"));
        foreach (var (path, i) in added.Select((p, i) => (p, i)))
            File.WriteAllText(path, $"public sealed class Part{i} {{ public Part{(i + 1) % added.Count}? Next {{ get; set; }} }}\n");

        Assert.Equal(201, _workspace.ApplyDiskChanges([checkout, .. added]));

        Assert.Empty(_workspace.CurrentSolution.GetDocumentIdsWithFilePath(checkout));
        var compilation = (await Shop.GetCompilationAsync())!;
        Assert.NotNull(compilation.GetTypeByMetadataName("Part199"));
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error
            && d.Location.SourceTree?.FilePath.Contains("Generated", StringComparison.Ordinal) == true));
    }

    [Theory]
    [InlineData("/r/src/Order.cs", true, false)]
    [InlineData("/r/src/Shop.csproj", false, true)]
    [InlineData("/r/Shop.sln", false, true)]
    [InlineData("/r/Shop.slnx", false, true)]
    [InlineData("/r/Directory.Build.props", false, true)]
    [InlineData("/r/Directory.Packages.props", false, true)]
    [InlineData("/r/src/Directory.Build.targets", false, true)]
    [InlineData("/r/readme.md", false, false)]
    public void Watched_files_are_sources_and_the_project_system(string path, bool source, bool projectSystem)
    {
        Assert.Equal(source, WatchedFiles.IsSource(path));
        Assert.Equal(projectSystem, WatchedFiles.IsProjectSystem(path));
        Assert.Equal(source || projectSystem, WatchedFiles.IsWatched(path, ["/r"]));
    }

    [Fact]
    public void Build_output_is_not_watched_but_a_workspace_under_a_folder_named_bin_is()
    {
        Assert.False(WatchedFiles.IsWatched("/r/src/obj/Debug/Shop.AssemblyInfo.cs", ["/r"]));
        Assert.False(WatchedFiles.IsWatched("/r/src/bin/Release/Shop.csproj", ["/r"]));
        Assert.True(WatchedFiles.IsWatched("/home/me/bin/r/src/Order.cs", ["/home/me/bin/r"]));
    }

    public void Dispose()
    {
        _workspace.Dispose();
        _temp.Dispose();
    }
}
