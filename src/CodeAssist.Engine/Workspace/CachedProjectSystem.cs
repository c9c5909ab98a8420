using System.Collections.Immutable;
using System.Text.Json;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace CodeAssist.Engine.Workspace;

/// <summary>
/// What MSBuild's load of a project system gave, as plain data that a later start turns back into Roslyn projects
/// without MSBuild (Visual Studio's cached solution load): per project its name, paths, assembly name, the compilation
/// and parse options, documents, additional and analyzer config documents, metadata, project and analyzer references.
/// Two descriptions of the same load serialize to the same JSON, which is how a background MSBuild load tells whether
/// the cached projects were right (<see cref="SameProjectsAs"/>).
/// </summary>
internal sealed record CachedProjectSystem(IReadOnlyList<CachedProject> Projects)
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    /// <summary>
    /// The description of <paramref name="solution"/>'s projects, or null (with why) when one of them cannot be rebuilt
    /// from plain data: not C#, or a reference that is not a file.
    /// </summary>
    public static CachedProjectSystem? Describe(Solution solution, out string? why)
    {
        why = null;
        var projects = solution.Projects.ToList();
        var index = projects.Select((p, i) => (p.Id, i)).ToDictionary(p => p.Id, p => p.i);
        var described = new List<CachedProject>();
        foreach (var project in projects)
        {
            if (project.CompilationOptions is not CSharpCompilationOptions compilation || project.ParseOptions is not CSharpParseOptions parse)
            {
                why = $"{project.Name} is not a C# project";
                return null;
            }
            var metadata = new List<CachedMetadataReference>();
            foreach (var reference in project.MetadataReferences)
            {
                if (reference is not PortableExecutableReference { FilePath: { } path } file)
                {
                    why = $"{project.Name} has a metadata reference that is not a file ({reference.Display})";
                    return null;
                }
                metadata.Add(new(path, [.. file.Properties.Aliases], file.Properties.EmbedInteropTypes));
            }
            var analyzers = new List<string>();
            foreach (var reference in project.AnalyzerReferences)
            {
                if (reference.FullPath is not { } path)
                {
                    why = $"{project.Name} has an analyzer reference that is not a file ({reference.Display})";
                    return null;
                }
                analyzers.Add(path);
            }
            described.Add(new CachedProject(
                project.Name, project.AssemblyName, project.FilePath, project.OutputFilePath, project.OutputRefFilePath,
                project.CompilationOutputInfo.AssemblyPath, project.DefaultNamespace,
                CachedCompilationOptions.From(compilation), CachedParseOptions.From(parse),
                [.. project.Documents.Select(CachedDocument.From)],
                [.. project.AdditionalDocuments.Select(CachedDocument.From)],
                [.. project.AnalyzerConfigDocuments.Select(CachedDocument.From)],
                metadata,
                [.. project.ProjectReferences.Where(r => index.ContainsKey(r.ProjectId))
                    .Select(r => new CachedProjectReference(index[r.ProjectId], [.. r.Aliases], r.EmbedInteropTypes))],
                analyzers));
        }
        return new CachedProjectSystem(described);
    }

    /// <summary>Whether both describe the same projects, documents, references and options.</summary>
    public bool SameProjectsAs(CachedProjectSystem other) => ToJson() == other.ToJson();

    /// <summary>The first few differences, for the log line that says why MSBuild's load replaced the cached one.</summary>
    public string DescribeDifference(CachedProjectSystem other)
    {
        if (Projects.Count != other.Projects.Count)
            return $"{other.Projects.Count} project(s) instead of {Projects.Count}";
        var differing = Projects.Zip(other.Projects)
            .Where(p => JsonSerializer.Serialize(p.First, Json) != JsonSerializer.Serialize(p.Second, Json))
            .Select(p => p.Second.Name)
            .ToList();
        return differing.Count == 0 ? "the order of the projects" : $"{string.Join(", ", differing.Take(5))} changed";
    }

    public string ToJson() => JsonSerializer.Serialize(Projects, Json);

    /// <summary>
    /// The projects as Roslyn projects added to <paramref name="empty"/> (a solution of the workspace the engine uses),
    /// with new ids. Documents read their text from disk when first asked, as MSBuildWorkspace's do; metadata references
    /// are read when a compilation first needs them and are shared between projects that name the same file.
    /// </summary>
    public Solution ToSolution(Solution empty, IAnalyzerAssemblyLoader analyzerLoader)
    {
        var ids = Projects.Select(p => ProjectId.CreateNewId(p.FilePath ?? p.Name)).ToList();
        var references = new Dictionary<CachedMetadataReference, MetadataReference>();
        var analyzers = new Dictionary<string, AnalyzerReference>(StringComparer.Ordinal);
        MetadataReference Reference(CachedMetadataReference cached)
        {
            if (!references.TryGetValue(cached, out var reference))
            {
                // Read when a compilation first needs it, as MSBuildWorkspace's references are, not here.
                reference = AssemblyMetadata.CreateFromFile(cached.Path)
                    .GetReference(aliases: [.. cached.Aliases], embedInteropTypes: cached.EmbedInteropTypes, filePath: cached.Path);
                references[cached] = reference;
            }
            return reference;
        }
        AnalyzerReference Analyzer(string path)
        {
            if (!analyzers.TryGetValue(path, out var reference))
            {
                analyzerLoader.AddDependencyLocation(path);
                analyzers[path] = reference = new AnalyzerFileReference(path, analyzerLoader);
            }
            return reference;
        }
        var infos = Projects.Select((p, i) => ProjectInfo.Create(
                ids[i], p.FilePath is { } file && File.Exists(file) ? VersionStamp.Create(File.GetLastWriteTimeUtc(file)) : VersionStamp.Default,
                p.Name, p.AssemblyName, LanguageNames.CSharp, p.FilePath, p.OutputFilePath,
                p.Compilation.ToOptions(p.FilePath is null ? null : Path.GetDirectoryName(p.FilePath)), p.Parse.ToOptions(),
                documents: p.Documents.Select(d => d.ToInfo(ids[i])),
                metadataReferences: p.MetadataReferences.Select(Reference),
                analyzerReferences: p.AnalyzerReferences.Select(Analyzer),
                additionalDocuments: p.AdditionalDocuments.Select(d => d.ToInfo(ids[i])),
                outputRefFilePath: p.OutputRefFilePath)
            .WithDefaultNamespace(p.DefaultNamespace)
            .WithCompilationOutputInfo(default(CompilationOutputInfo).WithAssemblyPath(p.CompilationOutputPath))
            .WithAnalyzerConfigDocuments(p.AnalyzerConfigDocuments.Select(d => d.ToInfo(ids[i]))));
        // Every project first, then the references between them, which must name projects the solution has.
        var solution = infos.Aggregate(empty, (built, info) => built.AddProject(info));
        for (var i = 0; i < Projects.Count; i++)
        {
            solution = solution.WithProjectReferences(
                ids[i], Projects[i].ProjectReferences.Select(r => new ProjectReference(ids[r.Project], [.. r.Aliases], r.EmbedInteropTypes)));
        }
        return solution;
    }

    /// <summary>Every file the projects name (documents, references); a cache that names one that is gone is stale.</summary>
    public IEnumerable<string> NamedFiles() => Projects.SelectMany(p =>
        p.Documents.Concat(p.AdditionalDocuments).Concat(p.AnalyzerConfigDocuments).Select(d => d.FilePath).OfType<string>()
            .Concat(p.MetadataReferences.Select(r => r.Path))
            .Concat(p.AnalyzerReferences));
}

internal sealed record CachedProject(
    string Name, string AssemblyName, string? FilePath, string? OutputFilePath, string? OutputRefFilePath, string? CompilationOutputPath,
    string? DefaultNamespace, CachedCompilationOptions Compilation, CachedParseOptions Parse,
    IReadOnlyList<CachedDocument> Documents, IReadOnlyList<CachedDocument> AdditionalDocuments, IReadOnlyList<CachedDocument> AnalyzerConfigDocuments,
    IReadOnlyList<CachedMetadataReference> MetadataReferences, IReadOnlyList<CachedProjectReference> ProjectReferences,
    IReadOnlyList<string> AnalyzerReferences);

internal sealed record CachedDocument(string Name, IReadOnlyList<string> Folders, string? FilePath, SourceCodeKind Kind)
{
    public static CachedDocument From(TextDocument document) =>
        new(document.Name, [.. document.Folders], document.FilePath, document is Document { SourceCodeKind: var kind } ? kind : SourceCodeKind.Regular);

    public DocumentInfo ToInfo(ProjectId project) => DocumentInfo.Create(
        DocumentId.CreateNewId(project, FilePath), Name, Folders, Kind,
        FilePath is null ? null : new FileTextLoader(FilePath, defaultEncoding: null), FilePath);
}

/// <summary>A metadata reference: the file and its properties (a value, so projects that name the same one share it).</summary>
internal sealed record CachedMetadataReference(string Path, IReadOnlyList<string> Aliases, bool EmbedInteropTypes)
{
    public bool Equals(CachedMetadataReference? other) =>
        other is not null && Path == other.Path && EmbedInteropTypes == other.EmbedInteropTypes && Aliases.SequenceEqual(other.Aliases);

    public override int GetHashCode() => HashCode.Combine(Path, EmbedInteropTypes, Aliases.Count);
}

/// <summary>A reference to another project of the same description, by its index there.</summary>
internal sealed record CachedProjectReference(int Project, IReadOnlyList<string> Aliases, bool EmbedInteropTypes);

/// <summary>
/// Every C# compilation option the compiler's command line sets (and <see cref="CSharpCompilationOptions"/>'s equality
/// compares); the resolvers are made as MSBuildWorkspace makes them, for the project's folder.
/// </summary>
internal sealed record CachedCompilationOptions(
    OutputKind OutputKind, bool ReportSuppressedDiagnostics, string? ModuleName, string? MainTypeName, string? ScriptClassName,
    IReadOnlyList<string> Usings, OptimizationLevel OptimizationLevel, bool CheckOverflow, bool AllowUnsafe, string? CryptoKeyContainer,
    string? CryptoKeyFile, string? CryptoPublicKey, bool? DelaySign, Platform Platform, ReportDiagnostic GeneralDiagnosticOption,
    int WarningLevel, IReadOnlyList<KeyValuePair<string, ReportDiagnostic>> SpecificDiagnosticOptions, bool ConcurrentBuild,
    bool Deterministic, bool PublicSign, MetadataImportOptions MetadataImportOptions, NullableContextOptions Nullable)
{
    public static CachedCompilationOptions From(CSharpCompilationOptions o) => new(
        o.OutputKind, o.ReportSuppressedDiagnostics, o.ModuleName, o.MainTypeName, o.ScriptClassName, [.. o.Usings], o.OptimizationLevel,
        o.CheckOverflow, o.AllowUnsafe, o.CryptoKeyContainer, o.CryptoKeyFile,
        o.CryptoPublicKey.IsDefaultOrEmpty ? null : Convert.ToBase64String([.. o.CryptoPublicKey]), o.DelaySign, o.Platform,
        o.GeneralDiagnosticOption, o.WarningLevel, [.. o.SpecificDiagnosticOptions.OrderBy(p => p.Key, StringComparer.Ordinal)],
        o.ConcurrentBuild, o.Deterministic, o.PublicSign, o.MetadataImportOptions, o.NullableContextOptions);

    public CSharpCompilationOptions ToOptions(string? projectDirectory) => new(
        OutputKind, ReportSuppressedDiagnostics, ModuleName, MainTypeName, ScriptClassName, Usings, OptimizationLevel, CheckOverflow,
        AllowUnsafe, CryptoKeyContainer, CryptoKeyFile,
        CryptoPublicKey is null ? ImmutableArray<byte>.Empty : ImmutableArray.Create(Convert.FromBase64String(CryptoPublicKey)),
        DelaySign, Platform, GeneralDiagnosticOption, WarningLevel, SpecificDiagnosticOptions, ConcurrentBuild, Deterministic,
        xmlReferenceResolver: projectDirectory is null ? null : new XmlFileResolver(projectDirectory),
        sourceReferenceResolver: projectDirectory is null ? null : new SourceFileResolver(ImmutableArray<string>.Empty, projectDirectory),
        metadataReferenceResolver: null,
        assemblyIdentityComparer: DesktopAssemblyIdentityComparer.Default,
        strongNameProvider: new DesktopStrongNameProvider(ImmutableArray<string>.Empty, Path.GetTempPath()),
        publicSign: PublicSign, metadataImportOptions: MetadataImportOptions, nullableContextOptions: Nullable);
}

/// <summary>Every C# parse option: language version, preprocessor symbols, documentation mode, kind and features.</summary>
internal sealed record CachedParseOptions(
    LanguageVersion LanguageVersion, DocumentationMode DocumentationMode, SourceCodeKind Kind, IReadOnlyList<string> PreprocessorSymbols,
    IReadOnlyList<KeyValuePair<string, string>> Features)
{
    public static CachedParseOptions From(CSharpParseOptions o) => new(
        o.SpecifiedLanguageVersion, o.DocumentationMode, o.Kind, [.. o.PreprocessorSymbolNames],
        [.. o.Features.OrderBy(p => p.Key, StringComparer.Ordinal)]);

    public CSharpParseOptions ToOptions() =>
        new CSharpParseOptions(LanguageVersion, DocumentationMode, Kind, PreprocessorSymbols).WithFeatures(Features);
}
