using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ICSharpCode.Decompiler;
using ICSharpCode.Decompiler.CSharp;

namespace CodeAssist.Training;

/// <summary>
/// Builds the C# corpus from material that is legitimately on every machine with the .NET SDK: the shared
/// framework assemblies (MIT-licensed .NET runtime and ASP.NET Core), decompiled one top-level type per file,
/// plus this repository's own C# sources. Files are normalised to "\n" line endings, deduplicated by content
/// hash and split into train, validation and test by a hash of their path, so the split never depends on the
/// order files were found in.
/// </summary>
internal static class CorpusBuilder
{
    public const string DecompilerPackageVersion = "11.2.0.10050";

    /// <summary>Decompiled types smaller than this are mostly empty enums and delegates: noise, not code.</summary>
    private static readonly string[] SplitNames = ["train", "validation", "test"];

    /// <summary>The shared frameworks whose assemblies are decompiled, beside the running one's version.</summary>
    private static readonly string[] SharedFrameworks = ["Microsoft.NETCore.App", "Microsoft.AspNetCore.App"];

    private const int MinimumFileLength = 200;

    /// <summary>Larger files are generated tables (resources, Unicode data) that would dominate the samples.</summary>
    private const int MaximumFileLength = 200_000;

    public static void Build(TrainingPaths paths, long maxChars, string repositoryRoot)
    {
        var sources = new List<(string Path, string Text, string Origin)>();
        foreach (var file in RepositorySources(repositoryRoot))
            sources.Add(file);
        var budget = maxChars - sources.Sum(s => (long)s.Text.Length);
        foreach (var framework in FrameworkDirectories())
        {
            foreach (var file in Decompile(framework, budget / FrameworkDirectories().Count))
                sources.Add(file);
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        var kept = new List<CorpusFile>();
        var duplicates = 0;
        foreach (var (path, text, origin) in sources)
        {
            var normalized = text.ReplaceLines();
            if (normalized.Length < MinimumFileLength || normalized.Length > MaximumFileLength)
                continue;
            var hash = Hex(SHA256.HashData(Encoding.UTF8.GetBytes(normalized)));
            if (!seen.Add(hash))
            {
                duplicates++;
                continue;
            }
            kept.Add(new CorpusFile(path, SplitOf(path), hash, normalized.Length, origin));
            var target = paths.CorpusFile(kept[^1]);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.WriteAllText(target, normalized);
        }

        var manifest = new CorpusManifest(
            Sources: [.. FrameworkDirectories().Select(d =>
                    $"{d} (decompiled with ICSharpCode.Decompiler {DecompilerPackageVersion}; " +
                    "MIT license, Copyright (c) .NET Foundation and Contributors)"),
                "this repository's src/ and tests/ C# files (the project's own code)"],
            DuplicatesDropped: duplicates,
            Splits: [.. SplitNames.Select(split => new SplitSummary(split,
                kept.Count(f => f.Split == split), kept.Where(f => f.Split == split).Sum(f => (long)f.Characters)))],
            Files: kept);
        File.WriteAllText(paths.Manifest, JsonSerializer.Serialize(manifest, Json.Options));
        foreach (var split in manifest.Splits)
            Log.Write($"corpus {split.Split}: {split.Files} files, {split.Characters / 1e6:F1} M characters");
        Log.Write($"corpus: {duplicates} duplicate files dropped; manifest {paths.Manifest}");
    }

    public static IReadOnlyList<string> FrameworkDirectories()
    {
        var shared = Path.Combine(Path.GetDirectoryName(typeof(object).Assembly.Location)!, "..", "..");
        var runtimeVersion = Path.GetFileName(Path.GetDirectoryName(typeof(object).Assembly.Location)!);
        return [.. SharedFrameworks
            .Select(name => Path.GetFullPath(Path.Combine(shared, name, runtimeVersion)))
            .Where(Directory.Exists)];
    }

    /// <summary>Train 94%, validation 3%, test 3%, by the first bytes of the path's SHA-256.</summary>
    public static string SplitOf(string path)
    {
        var bucket = BitConverter.ToUInt32(SHA256.HashData(Encoding.UTF8.GetBytes(path)), 0) % 100;
        return bucket < 94 ? "train" : bucket < 97 ? "validation" : "test";
    }

    private static IEnumerable<(string, string, string)> RepositorySources(string root)
    {
        foreach (var folder in new[] { "src", "tests" })
        {
            var directory = Path.Combine(root, folder);
            if (!Directory.Exists(directory))
                continue;
            foreach (var file in Directory.EnumerateFiles(directory, "*.cs", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                var relative = Path.GetRelativePath(root, file).Replace('\\', '/');
                if (relative.Contains("/obj/") || relative.Contains("/bin/"))
                    continue;
                yield return ($"codeassist/{relative}", File.ReadAllText(file), "repository");
            }
        }
    }

    private static IEnumerable<(string, string, string)> Decompile(string frameworkDirectory, long budget)
    {
        var frameworkName = Path.GetFileName(Path.GetDirectoryName(frameworkDirectory)!);
        var assemblies = Directory.EnumerateFiles(frameworkDirectory, "*.dll").Where(IsManagedWithTypes).Order(StringComparer.Ordinal).ToList();
        // Every assembly gets an equal share of the budget, so the corpus covers the whole framework rather than
        // the first assemblies in alphabetical order.
        var perAssembly = budget / Math.Max(1, assemblies.Count);
        var settings = new DecompilerSettings(LanguageVersion.Latest) { ThrowOnAssemblyResolveErrors = false };
        foreach (var assembly in assemblies)
        {
            var name = Path.GetFileNameWithoutExtension(assembly);
            CSharpDecompiler decompiler;
            try
            {
                decompiler = new CSharpDecompiler(assembly, settings);
            }
            catch (Exception e) when (e is BadImageFormatException or InvalidOperationException
                or ICSharpCode.Decompiler.Metadata.MetadataFileNotSupportedException)
            {
                Log.Write($"corpus: skipping {assembly}: {e.Message}");
                continue;
            }
            long taken = 0;
            var types = decompiler.TypeSystem.MainModule.TypeDefinitions
                .Where(t => t.DeclaringTypeDefinition is null && !t.Name.StartsWith('<') && t.Name.Length > 0)
                .Select(t => t.FullTypeName)
                .OrderBy(t => Hex(SHA256.HashData(Encoding.UTF8.GetBytes(t.ReflectionName))), StringComparer.Ordinal)
                .ToList();
            foreach (var type in types)
            {
                if (taken >= perAssembly)
                    break;
                string text;
                try
                {
                    text = decompiler.DecompileTypeAsString(type);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    continue;
                }
                taken += text.Length;
                var relative = type.ReflectionName.Replace('`', '_').Replace('.', '/').Replace('+', '_');
                yield return ($"{frameworkName}/{name}/{relative}.cs", text, frameworkName);
            }
            Log.Write($"corpus: {name}: {types.Count} types, {taken / 1000} k characters");
        }
    }

    private static bool IsManagedWithTypes(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            using var reader = new PEReader(stream);
            if (!reader.HasMetadata)
                return false;
            return reader.GetMetadataReader().TypeDefinitions.Count > 1;
        }
        catch (BadImageFormatException)
        {
            return false;
        }
    }

    private static string ReplaceLines(this string text) => text.ReplaceLineEndings("\n");

    public static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);
}

internal sealed record CorpusFile(string Path, string Split, string Sha256, int Characters, string Origin);

internal sealed record SplitSummary(string Split, int Files, long Characters);

internal sealed record CorpusManifest(IReadOnlyList<string> Sources, int DuplicatesDropped, IReadOnlyList<SplitSummary> Splits, IReadOnlyList<CorpusFile> Files)
{
    public static CorpusManifest Read(string path) =>
        JsonSerializer.Deserialize<CorpusManifest>(File.ReadAllText(path), Json.Options)
        ?? throw new InvalidDataException($"{path} is not a corpus manifest; run `codeassist-train corpus` again.");
}
