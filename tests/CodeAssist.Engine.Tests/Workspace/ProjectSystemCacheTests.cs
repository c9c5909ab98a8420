using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using CodeAssist.Engine.Workspace;
using Microsoft.CodeAnalysis;

namespace CodeAssist.Engine.Tests.Workspace;

/// <summary>
/// The project-system cache (#19), with real MSBuild loads and real Roslyn workspaces: what a load from the cache gives
/// is what MSBuild gave, every input MSBuild read invalidates it, a broken file is ignored, and the background MSBuild
/// load replaces cached projects that turn out different. Each test has its own cache folder.
/// </summary>
public sealed class ProjectSystemCacheTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly ConcurrentQueue<string> _log = new();

    private const string LibraryProject = """
        <Project Sdk="Microsoft.NET.Sdk">
          <PropertyGroup>
            <TargetFramework>net10.0</TargetFramework>
            <Nullable>enable</Nullable>
            <ImplicitUsings>enable</ImplicitUsings>
            <AllowUnsafeBlocks>true</AllowUnsafeBlocks>
            <CheckForOverflowUnderflow>true</CheckForOverflowUnderflow>
            <LangVersion>13</LangVersion>
            <DefineConstants>$(DefineConstants);CACHED</DefineConstants>
            <NoWarn>$(NoWarn);CS1591</NoWarn>
            <RootNamespace>Depot.Core</RootNamespace>
          </PropertyGroup>
        </Project>
        """;

    private const string AppProject = """
        <Project Sdk="Microsoft.NET.Sdk">
          <PropertyGroup>
            <TargetFramework>net10.0</TargetFramework>
            <OutputType>Exe</OutputType>
            <Nullable>enable</Nullable>
          </PropertyGroup>
          <ItemGroup>
            <ProjectReference Include="../Lib/Lib.csproj" />
            <AdditionalFiles Include="stock.txt" />
          </ItemGroup>
        </Project>
        """;

    /// <summary>Two projects (an app referencing a library) with options that differ from the defaults, and their folder.</summary>
    private string Depot()
    {
        _temp.WriteFile("Depot/Lib/Lib.csproj", LibraryProject);
        _temp.WriteFile("Depot/Lib/Stock.cs", "namespace Depot;\n\npublic sealed class Stock\n{\n    public int Reserved { get; set; }\n}\n");
        _temp.WriteFile("Depot/App/App.csproj", AppProject);
        _temp.WriteFile("Depot/App/stock.txt", "tea 3\n");
        _temp.WriteFile("Depot/App/.editorconfig", "root = true\n\n[*.cs]\ndotnet_diagnostic.CS0168.severity = none\n");
        _temp.WriteFile("Depot/App/Program.cs",
            "namespace Depot;\n\npublic static class Program\n{\n    public static int Main() => new Stock().Reserved;\n}\n");
        return _temp.Combine("Depot");
    }

    private ProjectSystemCache Cache() => new(_temp.Combine("cache"), _log.Enqueue);

    private CodeWorkspace Workspace() => new() { ProjectCache = Cache(), WarmCompilationsAfterLoad = false, Log = _log.Enqueue };

    [Fact]
    public async Task A_second_load_from_the_cache_gives_the_same_projects_documents_references_and_options_as_MSBuild()
    {
        var projectSystem = SolutionLoader.FindProjectSystem([Depot()]);
        using var first = Workspace();
        var msbuild = await first.LoadProjectsAsync(projectSystem, null, CancellationToken.None);
        Assert.False(msbuild.FromCache);
        Assert.True(File.Exists(Cache().FileFor(projectSystem)), string.Join('\n', _log));

        using var second = Workspace();
        var cached = await second.LoadProjectsAsync(projectSystem, null, CancellationToken.None);

        Assert.True(cached.FromCache);
        var expected = msbuild.Solution!.Projects.OrderBy(p => p.FilePath, StringComparer.Ordinal).ToList();
        var actual = cached.Solution!.Projects.OrderBy(p => p.FilePath, StringComparer.Ordinal).ToList();
        Assert.Equal(expected.Select(p => p.FilePath), actual.Select(p => p.FilePath));
        foreach (var (loaded, restored) in expected.Zip(actual))
        {
            Assert.Equal((loaded.Name, loaded.AssemblyName, loaded.Language, loaded.DefaultNamespace, loaded.OutputFilePath),
                (restored.Name, restored.AssemblyName, restored.Language, restored.DefaultNamespace, restored.OutputFilePath));
            Assert.Equal(loaded.Documents.Select(d => (d.FilePath, d.Name, string.Join('/', d.Folders))),
                restored.Documents.Select(d => (d.FilePath, d.Name, string.Join('/', d.Folders))));
            Assert.Equal(loaded.AdditionalDocuments.Select(d => d.FilePath), restored.AdditionalDocuments.Select(d => d.FilePath));
            Assert.Equal(loaded.AnalyzerConfigDocuments.Select(d => d.FilePath), restored.AnalyzerConfigDocuments.Select(d => d.FilePath));
            Assert.Equal(loaded.MetadataReferences.Select(r => ((PortableExecutableReference)r).FilePath),
                restored.MetadataReferences.Select(r => ((PortableExecutableReference)r).FilePath));
            Assert.Equal(loaded.AnalyzerReferences.Select(r => r.FullPath), restored.AnalyzerReferences.Select(r => r.FullPath));
            Assert.Equal(loaded.ProjectReferences.Select(r => msbuild.Solution.GetProject(r.ProjectId)!.FilePath),
                restored.ProjectReferences.Select(r => cached.Solution.GetProject(r.ProjectId)!.FilePath));
            Assert.Equal(loaded.ParseOptions, restored.ParseOptions);
            Assert.Empty(DifferentOptions(loaded.CompilationOptions!, restored.CompilationOptions!));
        }
        Assert.Contains("CACHED", actual.Single(p => p.Name == "Lib").ParseOptions!.PreprocessorSymbolNames);
        var libOptions = (Microsoft.CodeAnalysis.CSharp.CSharpCompilationOptions)actual.Single(p => p.Name == "Lib").CompilationOptions!;
        Assert.True(libOptions.AllowUnsafe && libOptions.CheckOverflow && libOptions.SpecificDiagnosticOptions.ContainsKey("CS1591"));
        Assert.Single(actual.Single(p => p.Name == "App").AdditionalDocuments);
        Assert.NotEmpty(actual.Single(p => p.Name == "App").AnalyzerReferences);

        var compilation = await actual.Single(p => p.Name == "App").GetCompilationAsync();
        Assert.Empty(compilation!.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        Assert.NotNull(compilation.GetTypeByMetadataName("Depot.Stock"));
        Assert.Equal(CacheCheck.Confirmed, (await cached.CheckedByMSBuild!).Check);
        Assert.All(actual, p => Assert.NotNull(second.CurrentSolution.GetProject(p.Id)));
    }

    /// <summary>
    /// The compilation options' properties, public and internal, whose values differ (by equality, or for collections by
    /// their JSON), except those that only matter to emit or hold the workspace's own services: the resolvers, the
    /// strong-name provider and the syntax tree options provider (made per workspace), DebugPlusMode (/debug+, emit only),
    /// and Features (which throws).
    /// </summary>
    private static List<string> DifferentOptions(CompilationOptions expected, CompilationOptions actual)
    {
        string[] notCompared = ["XmlReferenceResolver", "SourceReferenceResolver", "MetadataReferenceResolver", "StrongNameProvider",
            "SyntaxTreeOptionsProvider", "DebugPlusMode", "Features"];
        var flags = System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic;
        return [.. expected.GetType().GetProperties(flags)
            .Where(p => p.GetIndexParameters().Length == 0 && !notCompared.Contains(p.Name))
            .Where(p => !Equals(p.GetValue(expected), p.GetValue(actual))
                && JsonSerializer.Serialize(p.GetValue(expected)) != JsonSerializer.Serialize(p.GetValue(actual)))
            .Select(p => $"{p.Name}: {p.GetValue(expected)} (MSBuild) vs {p.GetValue(actual)} (cache)")];
    }

    public static TheoryData<string> InputChanges => ["a csproj edit", "a new .cs file", "an assets file", "a Directory.Build.props", "a deleted .cs file"];

    [Theory]
    [MemberData(nameof(InputChanges))]
    public async Task Each_input_MSBuild_read_invalidates_the_cache(string change)
    {
        var folder = Depot();
        var projectSystem = SolutionLoader.FindProjectSystem([folder]);
        using (var workspace = Workspace())
            Assert.False((await workspace.LoadProjectsAsync(projectSystem, null, CancellationToken.None)).FromCache);
        Assert.NotNull(Cache().TryRead(projectSystem));

        switch (change)
        {
            case "a csproj edit":
                File.WriteAllText(Path.Combine(folder, "Lib/Lib.csproj"), LibraryProject.Replace("13", "12", StringComparison.Ordinal) + "\n");
                break;
            case "a new .cs file":
                _temp.WriteFile("Depot/Lib/Models/Crate.cs", "namespace Depot;\n\npublic sealed class Crate;\n");
                break;
            case "an assets file":
                _temp.WriteFile("Depot/App/obj/project.assets.json", "{ \"version\": 3 }\n");
                break;
            case "a Directory.Build.props":
                _temp.WriteFile("Depot/Directory.Build.props",
                    "<Project>\n  <PropertyGroup>\n    <Nullable>disable</Nullable>\n  </PropertyGroup>\n</Project>\n");
                break;
            default:
                File.Delete(Path.Combine(folder, "Lib/Stock.cs"));
                break;
        }

        Assert.Null(Cache().TryRead(projectSystem));
        Assert.Contains(_log, line => line.Contains("the project cache is stale", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_corrupt_cache_file_is_ignored_with_a_log_line_and_rewritten()
    {
        var projectSystem = SolutionLoader.FindProjectSystem([Depot()]);
        Directory.CreateDirectory(Cache().Folder);
        File.WriteAllText(Cache().FileFor(projectSystem), "{\"Format\": 1, \"Projects\": [ {\"Name\": ");

        using var workspace = Workspace();
        var result = await workspace.LoadProjectsAsync(projectSystem, null, CancellationToken.None);

        Assert.False(result.FromCache);
        Assert.Equal(2, result.Solution!.ProjectIds.Count);
        Assert.Contains(_log, line => line.Contains("is not readable", StringComparison.Ordinal));
        Assert.NotNull(Cache().TryRead(projectSystem));
    }

    [Fact]
    public async Task The_background_MSBuild_load_replaces_cached_projects_that_differ_and_rewrites_the_cache()
    {
        var projectSystem = SolutionLoader.FindProjectSystem([Depot()]);
        using (var workspace = Workspace())
            await workspace.LoadProjectsAsync(projectSystem, null, CancellationToken.None);
        // A cache whose inputs look unchanged but whose projects are not what MSBuild gives (Stock.cs left out), as when
        // something the fingerprint does not see (an environment variable) changed the evaluation.
        var path = Cache().FileFor(projectSystem);
        var file = JsonNode.Parse(File.ReadAllText(path))!;
        var lib = file["Projects"]!.AsArray().Single(p => (string?)p!["Name"] == "Lib")!;
        var documents = lib["Documents"]!.AsArray();
        documents.Remove(documents.Single(d => ((string?)d!["FilePath"])!.EndsWith("Stock.cs", StringComparison.Ordinal)));
        File.WriteAllText(path, file.ToJsonString());

        using var next = Workspace();
        var cached = await next.LoadProjectsAsync(projectSystem, null, CancellationToken.None);
        Assert.True(cached.FromCache);
        Assert.DoesNotContain(cached.Solution!.Projects.SelectMany(p => p.Documents), d => d.Name == "Stock.cs");

        var check = await cached.CheckedByMSBuild!;

        Assert.Equal(CacheCheck.Replaced, check.Check);
        Assert.Contains(next.CurrentSolution.Projects.SelectMany(p => p.Documents), d => d.Name == "Stock.cs");
        Assert.Contains(_log, line => line.Contains("MSBuild's load differs from the cached projects (Lib changed)", StringComparison.Ordinal));
        var rewritten = Cache().TryRead(projectSystem);
        Assert.Contains(rewritten!.Projects.Projects.Single(p => p.Name == "Lib").Documents, d => d.Name == "Stock.cs");
    }

    public void Dispose() => _temp.Dispose();
}
