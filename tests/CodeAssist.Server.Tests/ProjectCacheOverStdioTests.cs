using System.Text.Json.Nodes;
using CodeAssist.ModelFactory;

namespace CodeAssist.Server.Tests;

/// <summary>
/// The project-system cache through `codeassist serve` (#19): a first server loads the project with MSBuild and writes
/// the cache; the next one on the same folder takes the projects from it, says so in the load's progress, and has the
/// solution's semantic context from it while MSBuild checks it in the background. An untrusted server never writes one.
/// Every server here gets the test's own cache folder.
/// </summary>
public sealed class ProjectCacheOverStdioTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    private const string Program = SampleProjects.DepotProgramAtStockDot;

    private static readonly string Stock = SampleProjects.DepotStockWith("ΣReserved");

    private static readonly object Progress = new { window = new { workDoneProgress = true } };

    private string CacheFolder => _temp.Combine("cache");

    private LspTestClient Serve(params string[] extra)
    {
        var model = _temp.Combine("echo");
        if (!Directory.Exists(model))
            ModelFolderWriter.WriteContextEcho(model);
        return LspTestClient.Start(["serve", "--model", model, .. extra], null,
            new Dictionary<string, string> { [LspTestClient.CacheFolderVariable] = CacheFolder });
    }

    private static Task<JsonObject> LoadEndAsync(LspTestClient client) =>
        client.WaitForNotificationAsync("$/progress", n =>
            (string?)n["params"]?["value"]?["kind"] == "end" && ((string?)n["params"]?["value"]?["message"])?.Contains("loaded") == true);

    [Fact]
    public async Task A_second_server_takes_the_projects_from_the_cache_and_has_the_semantic_context_from_them()
    {
        _temp.WriteFile("Depot/Depot.csproj", SampleProjects.MinimalProject);
        _temp.WriteFile("Depot/Stock.cs", Stock);
        var program = _temp.WriteFile("Depot/Program.cs", Program);
        var root = _temp.Combine("Depot");

        await using (var first = Serve())
        {
            await first.InitializeAsync(root, capabilities: Progress);
            Assert.Equal("1 project(s) loaded", (string?)(await LoadEndAsync(first))["params"]!["value"]!["message"]);
            await first.WaitForCompilationsReadyAsync();
            Assert.Equal(0, await first.ShutdownAndExitAsync());
        }
        Assert.Single(Directory.GetFiles(CacheFolder, "*.json"));

        await using var second = Serve();
        await second.InitializeAsync(root, capabilities: Progress);
        Assert.Equal("1 project(s) loaded from the cache", (string?)(await LoadEndAsync(second))["params"]!["value"]!["message"]);
        await second.WaitForCompilationsReadyAsync();
        await second.OpenAsync(program, File.ReadAllText(program));
        var text = File.ReadAllText(program);
        var offset = text.IndexOf("stock.", StringComparison.Ordinal) + "stock.".Length;
        var before = text[..offset];
        var context = (await second.RequestAsync("codeAssist/context", new
        {
            textDocument = new { uri = new Uri(program).AbsoluteUri },
            position = new { line = before.Count(c => c == '\n'), character = offset - (before.LastIndexOf('\n') + 1) },
            context = new { triggerKind = 2 },
        }))["result"]!;

        Assert.Contains(context["pieces"]!.AsArray(), p => (string?)p!["kind"] == "members" && ((string?)p["text"])!.Contains("ΣReserved"));
        await second.WaitForNotificationAsync("window/logMessage",
            n => ((string?)n["params"]?["message"])?.Contains("MSBuild's load confirmed the cached projects", StringComparison.Ordinal) == true);
        Assert.Equal(0, await second.ShutdownAndExitAsync());
    }

    [Fact]
    public async Task An_untrusted_server_neither_reads_nor_writes_the_cache()
    {
        _temp.WriteFile("Repo/Repo.csproj", SampleProjects.MinimalProject);
        var program = _temp.WriteFile("Repo/Program.cs", Program);

        await using var client = Serve("--untrusted");
        await client.InitializeAsync(_temp.Combine("Repo"), capabilities: Progress);
        await client.WaitForNotificationAsync("window/logMessage",
            n => ((string?)n["params"]?["message"])?.Contains("untrusted workspace", StringComparison.Ordinal) == true);
        await client.OpenAsync(program, File.ReadAllText(program));
        Assert.Equal(0, await client.ShutdownAndExitAsync());

        Assert.False(Directory.Exists(CacheFolder) && Directory.EnumerateFileSystemEntries(CacheFolder).Any());
    }

    public void Dispose() => _temp.Dispose();
}
