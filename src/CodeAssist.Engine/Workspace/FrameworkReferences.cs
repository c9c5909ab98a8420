using Microsoft.CodeAnalysis;

namespace CodeAssist.Engine.Workspace;

/// <summary>
/// The running .NET's own assemblies as metadata references, for documents that belong to no loaded project:
/// loose files still get a semantic model with the base class library.
/// </summary>
internal static class FrameworkReferences
{
    private static readonly Lazy<IReadOnlyList<MetadataReference>> References = new(Load);

    public static IReadOnlyList<MetadataReference> All => References.Value;

    private static IReadOnlyList<MetadataReference> Load()
    {
        var paths = (AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string)?.Split(Path.PathSeparator) ?? [];
        var frameworkDirectory = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        return [.. paths
            .Where(p => string.Equals(Path.GetDirectoryName(p), frameworkDirectory, StringComparison.Ordinal))
            .Where(p => Path.GetFileName(p) is var name
                && (name.StartsWith("System", StringComparison.Ordinal) || name.StartsWith("Microsoft.", StringComparison.Ordinal)
                    || name == "netstandard.dll" || name == "mscorlib.dll"))
            .Where(p => !p.Contains("Microsoft.CodeAnalysis", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))];
    }
}
