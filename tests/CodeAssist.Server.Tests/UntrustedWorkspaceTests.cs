using System.Text.Json.Nodes;

namespace CodeAssist.Server.Tests;

/// <summary>
/// The server's untrusted mode over real stdio, on a repository whose project runs a target that writes a marker: the
/// trusted server evaluates it (the control, which shows the fixture is hostile), the untrusted one never does, gives
/// loose-file context without the project's symbols, still completes, and refuses a model outside the models directory.
/// </summary>
public sealed class UntrustedWorkspaceTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    /// <summary>A project whose design-time build writes target-marker next to the repository.</summary>
    private const string HostileProject = """
        <Project Sdk="Microsoft.NET.Sdk">
          <PropertyGroup>
            <TargetFramework>net10.0</TargetFramework>
            <ImplicitUsings>enable</ImplicitUsings>
          </PropertyGroup>
          <Target Name="WriteMarker" BeforeTargets="CoreCompile">
            <WriteLinesToFile File="$(MSBuildProjectDirectory)/../target-marker" Lines="the project's target ran" Overwrite="true" />
          </Target>
        </Project>
        """;

    private const string Warehouse = """
        namespace Repo;

        public class Warehouse
        {
            public void RestockEverything() { }
        }
        """;

    private const string Program = """
        namespace Repo;

        public static class Program
        {
            public static void Main()
            {
                var warehouse = new Warehouse();
                warehouse.
            }
        }
        """;

    private const string Suggestion = "RestockEverything();";

    private string TargetMarker => _temp.Combine("target-marker");

    private (string Repo, string ProgramPath) WriteRepository()
    {
        _temp.WriteFile("Repo/Repo.csproj", HostileProject);
        _temp.WriteFile("Repo/Warehouse.cs", Warehouse);
        return (_temp.Combine("Repo"), _temp.WriteFile("Repo/Program.cs", Program));
    }

    /// <summary>A models directory holding one installed scripted model, as `codeassist model add` leaves it.</summary>
    private (Dictionary<string, string> Environment, string InstalledModel) ModelsDirectory()
    {
        var models = _temp.Combine("models");
        var installed = Path.Combine(models, "installed");
        CodeAssist.ModelFactory.ModelFolderWriter.WriteScripted(installed, Suggestion);
        return (new Dictionary<string, string> { ["CODEASSIST_MODELS_DIR"] = models }, installed);
    }

    private static object At(string path, int line, int character) =>
        new { textDocument = new { uri = new Uri(path).AbsoluteUri }, position = new { line, character } };

    private static string ContextText(JsonObject response) =>
        (string)response["result"]!["prompt"]! + string.Join("\n", response["result"]!["pieces"]!.AsArray().Select(p => (string?)p!["text"]));

    [Fact]
    public async Task Trusted_the_projects_target_runs_and_its_symbols_reach_the_context()
    {
        var (repo, programPath) = WriteRepository();
        var (environment, installed) = ModelsDirectory();
        await using var client = LspTestClient.Start(environment, "serve", "--model", installed);
        await client.InitializeAsync(repo);
        await client.OpenAsync(programPath, Program);
        await client.WaitForProjectsLoadedAsync();
        await client.WaitForCompilationsReadyAsync();

        Assert.True(File.Exists(TargetMarker), $"the control failed: the trusted load did not run the project's target; stderr:\n{client.Stderr}");
        var context = await client.RequestAsync("codeAssist/context", At(programPath, 7, 18));
        Assert.Contains("RestockEverything", ContextText(context), StringComparison.Ordinal);
        Assert.Equal(0, await client.ShutdownAndExitAsync());
    }

    [Fact]
    public async Task Untrusted_no_project_is_evaluated_the_context_is_loose_files_and_completions_still_work()
    {
        var (repo, programPath) = WriteRepository();
        var (environment, installed) = ModelsDirectory();
        await using var client = LspTestClient.Start(environment, "serve", "--untrusted");
        // Initialization options cannot give back the trust the command line took away.
        await client.InitializeAsync(repo, new { modelPath = installed, untrusted = false });
        await client.OpenAsync(programPath, Program);

        await client.WaitForLogAsync("untrusted workspace: no solution or project is evaluated");
        var ready = await client.WaitForNotificationAsync("codeAssist/status", n => (string?)n["params"]!["state"] == "ready");
        Assert.False((bool)ready["params"]!["trusted"]!);
        var context = await client.RequestAsync("codeAssist/context", At(programPath, 7, 18));
        Assert.DoesNotContain("RestockEverything", ContextText(context), StringComparison.Ordinal);
        var completion = await client.RequestAsync("textDocument/inlineCompletion", new
        {
            textDocument = new { uri = new Uri(programPath).AbsoluteUri },
            position = new { line = 7, character = 18 },
            context = new { triggerKind = 2 },
        });
        Assert.Equal(Suggestion, (string?)completion["result"]!["items"]![0]!["insertText"]);
        // The model's load is the only work reported: no project is loaded or compiled.
        Assert.All(client.Notifications("$/progress").Where(n => (string?)n["params"]!["value"]!["kind"] == "begin"),
            n => Assert.Equal("CodeAssist: loading the model", (string?)n["params"]!["value"]!["title"]));
        Assert.Equal(0, await client.ShutdownAndExitAsync());

        Assert.False(File.Exists(TargetMarker), "the untrusted server evaluated the project: its target wrote the marker");
        Assert.Equal(["Program.cs", "Repo.csproj", "Warehouse.cs"],
            Directory.EnumerateFileSystemEntries(repo).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Untrusted_a_model_outside_the_models_directory_is_refused_with_the_reason()
    {
        var (repo, _) = WriteRepository();
        var (environment, _) = ModelsDirectory();
        var repositoryModel = Path.Combine(repo, "model");
        CodeAssist.ModelFactory.ModelFolderWriter.WriteScripted(repositoryModel, Suggestion);
        await using var client = LspTestClient.Start(environment, "serve");
        await client.InitializeAsync(repo, new { modelPath = repositoryModel, untrusted = true });

        var error = await client.WaitForNotificationAsync("codeAssist/status", n => (string?)n["params"]!["state"] == "error");
        Assert.Equal(
            $"cannot use the model in {repositoryModel}: the model folder {repositoryModel} is outside the models directory " +
            $"{environment["CODEASSIST_MODELS_DIR"]}, and this workspace is not trusted, so only installed models load: trust the workspace, " +
            $"or install the model with `codeassist model add {repositoryModel}`",
            (string?)error["params"]!["message"]);
        Assert.False((bool)error["params"]!["trusted"]!);
        var report = (string)(await client.RequestAsync("codeAssist/doctor", null))["result"]!["report"]!;
        Assert.Contains("untrusted: no project is evaluated", report, StringComparison.Ordinal);
        Assert.Equal(0, await client.ShutdownAndExitAsync());
        Assert.False(File.Exists(TargetMarker));
    }

    public void Dispose() => _temp.Dispose();
}

/// <summary>
/// `codeassist model add` and `model verify` as a user runs them, on folders whose genai_config.json names a
/// custom_ops_library: refused outside the models directory with the reason; `add` asks, records the library's SHA-256
/// in the manifest, and the installed model is refused once the library changes.
/// </summary>
public sealed class ModelNativeCodeCommandTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    private string Models => _temp.Combine("models");

    private Task<(int ExitCode, string Stdout, string Stderr)> Run(string? input, params string[] arguments) =>
        LspTestClient.RunCliAsync(arguments, input, new Dictionary<string, string> { ["CODEASSIST_MODELS_DIR"] = Models });

    /// <summary>A scripted model whose decoder session options name <paramref name="library"/> as custom_ops_library.</summary>
    private string ModelWithCustomOps(string name, string library)
    {
        var folder = _temp.Combine(name);
        CodeAssist.ModelFactory.ModelFolderWriter.WriteScripted(folder, "x");
        var configPath = Path.Combine(folder, "genai_config.json");
        var config = JsonNode.Parse(File.ReadAllText(configPath))!;
        var decoder = config["model"]!["decoder"]!.AsObject();
        var options = decoder["session_options"] as JsonObject ?? [];
        options["custom_ops_library"] = library;
        decoder["session_options"] = options;
        File.WriteAllText(configPath, config.ToJsonString());
        return folder;
    }

    [Theory]
    [InlineData("libcustom_ops.so")]
    [InlineData("../libcustom_ops.so")]
    public async Task Verify_refuses_a_custom_ops_library_inside_or_outside_a_folder_outside_the_models_directory(string library)
    {
        var folder = ModelWithCustomOps("model", library);
        var file = Path.GetFullPath(Path.Combine(folder, library));
        File.WriteAllBytes(file, [1, 2, 3]);

        var (exit, _, errors) = await Run(null, "model", "verify", folder);

        Assert.Equal(1, exit);
        Assert.Contains($"sets model.decoder.session_options.custom_ops_library = \"{library}\", which loads the native library {file} into CodeAssist",
            errors, StringComparison.Ordinal);
        Assert.Contains($"that is refused for a model folder outside the models directory {Models}", errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Add_asks_records_the_librarys_sha256_and_the_model_is_refused_once_the_library_changes()
    {
        var source = ModelWithCustomOps("ops-model", "libcustom_ops.so");
        var library = Path.Combine(source, "libcustom_ops.so");
        File.WriteAllBytes(library, [1, 2, 3]);
        const string hash = "039058c6f2c0cb492c533b0a4d14ef77cc0f78abccced5287d84a1a2011cfb81";

        var declined = await Run("n\n", "model", "add", source);
        Assert.Equal(1, declined.ExitCode);
        Assert.Contains(
            $"model.decoder.session_options.custom_ops_library = \"libcustom_ops.so\": loads the native library {library} into CodeAssist " +
            $"(its code runs with your rights) (SHA-256 {hash})", declined.Stderr, StringComparison.Ordinal);
        Assert.Contains("not installed; nothing was changed", declined.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(Models, "ops-model")));

        var added = await Run("y\n", "model", "add", source);
        Assert.True(added.ExitCode == 0, added.Stderr);
        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(Models, "codeassist-manifest.json")))!;
        var approval = manifest["models"]!["ops-model"]![0]!;
        Assert.Equal(("model.decoder.session_options.custom_ops_library", "libcustom_ops.so", hash),
            ((string?)approval["setting"], (string?)approval["value"], (string?)approval["sha256"]));
        var installed = Path.Combine(Models, "ops-model");
        Assert.Equal(0, (await Run(null, "model", "verify", installed)).ExitCode);

        File.WriteAllBytes(Path.Combine(installed, "libcustom_ops.so"), [6, 6, 6]);
        var changed = await Run(null, "model", "verify", installed);
        Assert.Equal(1, changed.ExitCode);
        Assert.Contains($"that model.decoder.session_options.custom_ops_library loads has changed since it was approved (SHA-256 then {hash}, now ",
            changed.Stderr, StringComparison.Ordinal);
    }

    /// <summary>A folder that names a team server sends code off the machine once installed: add says where and asks; scripts pass --yes.</summary>
    [Fact]
    public async Task Add_of_a_folder_that_names_a_team_server_says_where_code_goes_and_asks_unless_yes()
    {
        var source = _temp.WriteFile("team-qwen/codeassist.json",
            """{ "name": "Team Qwen", "backend": { "kind": "llamacpp", "url": "https://gpu01.corp:8080", "model": "qwen2.5-coder-32b" } }""");
        source = Path.GetDirectoryName(source)!;

        var declined = await Run("n\n", "model", "add", source);
        Assert.Equal(1, declined.ExitCode);
        Assert.Contains(
            $"{source} names the team server llamacpp at https://gpu01.corp:8080 (qwen2.5-coder-32b): with this model, the code you edit is sent " +
            "to gpu01.corp:8080 for each completion", declined.Stderr, StringComparison.Ordinal);
        Assert.Contains("[y/N]", declined.Stderr, StringComparison.Ordinal);
        Assert.Contains("not installed; nothing was changed", declined.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(Models, "team-qwen")));
        // No answer (a script without --yes) is no.
        Assert.Equal(1, (await Run(null, "model", "add", source)).ExitCode);
        Assert.False(Directory.Exists(Path.Combine(Models, "team-qwen")));

        var added = await Run("y\n", "model", "add", source);
        Assert.True(added.ExitCode == 0, added.Stderr);
        Assert.Contains("served by the team server llamacpp at https://gpu01.corp:8080", added.Stdout, StringComparison.Ordinal);

        var scripted = await Run(null, "model", "add", source, "--name", "team-scripted", "--yes");
        Assert.True(scripted.ExitCode == 0, scripted.Stderr);
        Assert.DoesNotContain("[y/N]", scripted.Stderr, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(Models, "team-scripted", "codeassist.json")));
    }

    [Fact]
    public async Task Add_refuses_a_library_outside_the_folder_without_asking()
    {
        var outside = _temp.WriteFile("libelsewhere.so", "not a library");
        var source = ModelWithCustomOps("ops-model", outside);

        var (exit, _, errors) = await Run("y\n", "model", "add", source);

        Assert.Equal(1, exit);
        Assert.Contains($"a native library outside the model folder ({outside}); refused", errors, StringComparison.Ordinal);
        Assert.DoesNotContain("[y/N]", errors, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(Models, "ops-model")));
    }

    public void Dispose() => _temp.Dispose();
}
