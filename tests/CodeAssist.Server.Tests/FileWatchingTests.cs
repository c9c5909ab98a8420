using System.Diagnostics;
using System.Text.Json.Nodes;
using CodeAssist.ModelFactory;

namespace CodeAssist.Server.Tests;

/// <summary>
/// Changes made on disk outside the editor (an edit in another tool, a `git checkout`) reach the semantic context,
/// through `codeassist serve` on a project MSBuildWorkspace loads: with a client that watches files for the server
/// (dynamic registration, as VS Code and Neovim 0.10+ do), and with one that cannot (Neovim 0.7.2), where the server
/// watches the workspace itself. The context is read with codeAssist/context at `stock.$0`, whose member list comes
/// from Roslyn's view of Stock.cs, a file the editor never opens.
/// </summary>
public sealed class FileWatchingTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    private const string Project = SampleProjects.MinimalProject;

    private const string Program = SampleProjects.DepotProgramAtStockDot;

    private static string StockWith(string member) => SampleProjects.DepotStockWith(member);

    private static readonly object Watching = new
    {
        workspace = new { didChangeWatchedFiles = new { dynamicRegistration = true } },
        window = new { workDoneProgress = true },
    };

    private (string Root, string Program, string Stock) Depot()
    {
        var root = _temp.Combine("Depot");
        _temp.WriteFile("Depot/Depot.csproj", Project);
        var stock = _temp.WriteFile("Depot/Stock.cs", StockWith("ΣReserved"));
        var program = _temp.WriteFile("Depot/Program.cs", Program);
        return (root, program, stock);
    }

    private async Task<LspTestClient> Serve(string root, bool clientWatches)
    {
        var model = _temp.Combine("echo");
        ModelFolderWriter.WriteContextEcho(model);
        var client = LspTestClient.Serve(model);
        await client.InitializeAsync(root, capabilities: clientWatches ? Watching : null);
        await LoadedAsync(client, 1);
        return client;
    }

    /// <summary>The projects loaded <paramref name="times"/> times and compiled after each load: the context has their members.</summary>
    private static Task LoadedAsync(LspTestClient client, int times) => client.WaitForCompilationsReadyAsync(times);

    /// <summary>The text of the context's member list at `stock.` in Program.cs.</summary>
    private static async Task<string> MembersAtStock(LspTestClient client, string program)
    {
        var text = File.ReadAllText(program);
        var offset = text.IndexOf("stock.", StringComparison.Ordinal) + "stock.".Length;
        var before = text[..offset];
        var context = (await client.RequestAsync("codeAssist/context", new
        {
            textDocument = new { uri = new Uri(program).AbsoluteUri },
            position = new { line = before.Count(c => c == '\n'), character = offset - (before.LastIndexOf('\n') + 1) },
            context = new { triggerKind = 2 },
        }))["result"]!;
        return string.Join("\n", context["pieces"]!.AsArray().Where(p => (string?)p!["kind"] == "members").Select(p => (string?)p!["text"]));
    }

    private static Task ChangedAsync(LspTestClient client, params string[] paths) =>
        client.NotifyAsync("workspace/didChangeWatchedFiles",
            new { changes = paths.Select(p => new { uri = new Uri(p).AbsoluteUri, type = File.Exists(p) ? 2 : 3 }).ToArray() });

    /// <summary>Waits for a window/logMessage that contains <paramref name="text"/>.</summary>
    private static Task<JsonObject> LoggedAsync(LspTestClient client, string text) =>
        client.WaitForNotificationAsync("window/logMessage", n => ((string?)n["params"]?["message"])?.Contains(text, StringComparison.Ordinal) == true);

    [Fact]
    public async Task A_client_that_can_watch_files_is_asked_to_and_the_changes_it_reports_reach_the_context()
    {
        var (root, program, stock) = Depot();
        await using var client = await Serve(root, clientWatches: true);

        var registration = await client.WaitForServerRequestAsync("client/registerCapability");
        var only = Assert.Single(registration["params"]!["registrations"]!.AsArray())!;
        Assert.Equal("workspace/didChangeWatchedFiles", (string?)only["method"]);
        var globs = only["registerOptions"]!["watchers"]!.AsArray().Select(w => (string?)w!["globPattern"]).ToList();
        Assert.Equal(["**/*.cs", "**/*.csproj", "**/*.sln", "**/*.slnx", "**/Directory.*.props", "**/Directory.*.targets"], globs);

        await client.OpenAsync(program, File.ReadAllText(program));
        Assert.Contains("ΣReserved", await MembersAtStock(client, program), StringComparison.Ordinal);

        File.WriteAllText(stock, StockWith("ΔCounted"));
        await ChangedAsync(client, stock);

        var members = await MembersAtStock(client, program);
        Assert.Contains("ΔCounted", members, StringComparison.Ordinal);
        Assert.DoesNotContain("ΣReserved", members, StringComparison.Ordinal);
        Assert.DoesNotContain("the server watches", client.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, await client.ShutdownAndExitAsync());
    }

    [Fact]
    public async Task Without_a_client_watcher_the_server_watches_the_workspace_itself()
    {
        var (root, program, stock) = Depot();
        await using var client = await Serve(root, clientWatches: false);
        await LoggedAsync(client, "the server watches");
        Assert.DoesNotContain(client.Messages, m => (string?)m["method"] == "client/registerCapability");
        await client.OpenAsync(program, File.ReadAllText(program));
        Assert.Contains("ΣReserved", await MembersAtStock(client, program), StringComparison.Ordinal);

        File.WriteAllText(stock, StockWith("ΔCounted"));
        await LoggedAsync(client, "changed on disk");

        var members = await MembersAtStock(client, program);
        Assert.Contains("ΔCounted", members, StringComparison.Ordinal);
        Assert.DoesNotContain("ΣReserved", members, StringComparison.Ordinal);
        Assert.Equal(0, await client.ShutdownAndExitAsync());
    }

    /// <summary>
    /// A real `git checkout` between two branches that differ in the project file, a changed source and a new one:
    /// the projects reload once the switch is seen, and the context follows the new branch. With a watching client the
    /// test sends what the client's watcher reports (every file git changed); without one, the server sees it itself.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_branch_switch_reloads_the_projects_and_the_context_follows_the_new_branch(bool clientWatches)
    {
        var (root, program, stock) = Depot();
        Git(root, "init", "-q", "-b", "main");
        Git(root, "add", "-A");
        Git(root, "commit", "-q", "-m", "main");
        Git(root, "checkout", "-q", "-b", "feature");
        File.WriteAllText(Path.Combine(root, "Depot.csproj"),
            Project.Replace("</PropertyGroup>", "  <Nullable>enable</Nullable>\n  </PropertyGroup>", StringComparison.Ordinal));
        File.WriteAllText(stock, StockWith("ΔCounted"));
        File.WriteAllText(Path.Combine(root, "Shelf.cs"),
            "namespace Depot;\n\npublic sealed partial class Stock\n{\n    public int ΛShelves { get; set; }\n}\n");
        Git(root, "add", "-A");
        Git(root, "commit", "-q", "-m", "feature");
        Git(root, "checkout", "-q", "main");

        await using var client = await Serve(root, clientWatches);
        if (!clientWatches)
            await LoggedAsync(client, "the server watches");
        await client.OpenAsync(program, File.ReadAllText(program));
        var before = await MembersAtStock(client, program);
        Assert.Contains("ΣReserved", before, StringComparison.Ordinal);
        Assert.DoesNotContain("ΛShelves", before, StringComparison.Ordinal);

        Git(root, "checkout", "-q", "feature");
        if (clientWatches)
            await ChangedAsync(client, [.. new[] { "Depot.csproj", "Stock.cs", "Shelf.cs" }.Select(f => Path.Combine(root, f))]);
        await LoadedAsync(client, 2);

        var after = await MembersAtStock(client, program);
        Assert.Contains("ΔCounted", after, StringComparison.Ordinal);
        Assert.Contains("ΛShelves", after, StringComparison.Ordinal);
        Assert.DoesNotContain("ΣReserved", after, StringComparison.Ordinal);
        Assert.Equal(0, await client.ShutdownAndExitAsync());
    }

    private static void Git(string folder, params string[] arguments)
    {
        var start = new ProcessStartInfo("git")
        {
            WorkingDirectory = folder, RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false,
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        start.Environment["GIT_AUTHOR_NAME"] = start.Environment["GIT_COMMITTER_NAME"] = "tests";
        start.Environment["GIT_AUTHOR_EMAIL"] = start.Environment["GIT_COMMITTER_EMAIL"] = "tests@localhost";
        using var git = Process.Start(start)!;
        var error = git.StandardError.ReadToEnd();
        git.WaitForExit();
        Assert.True(git.ExitCode == 0, $"git {string.Join(' ', arguments)}: {error}");
    }

    public void Dispose() => _temp.Dispose();
}
