using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;

namespace CodeAssist.Engine.Workspace;

/// <summary>
/// Loads the analyzers and source generators of projects built from the project-system cache (MSBuildWorkspace has its
/// own loader, which is not public). Each analyzer folder gets its own load context, so two packages' copies of a
/// dependency do not meet; what the host itself ships (Roslyn, the runtime) always comes from the host, so a generator's
/// <c>ISourceGenerator</c> is the compiler's own type.
/// </summary>
internal sealed class AnalyzerAssemblyLoader : IAnalyzerAssemblyLoader
{
    private static readonly HashSet<string> HostAssemblies = new(
        ((AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string)?.Split(Path.PathSeparator) ?? []).Select(Path.GetFileNameWithoutExtension)
            .OfType<string>(),
        StringComparer.OrdinalIgnoreCase);

    private readonly ConcurrentDictionary<string, FolderContext> _contexts = new(StringComparer.Ordinal);

    public void AddDependencyLocation(string fullPath)
    {
    }

    public Assembly LoadFromPath(string fullPath)
    {
        var name = AssemblyName.GetAssemblyName(fullPath);
        if (name.Name is { } simple && HostAssemblies.Contains(simple))
            return AssemblyLoadContext.Default.LoadFromAssemblyName(name);
        return _contexts.GetOrAdd(Path.GetDirectoryName(fullPath)!, folder => new FolderContext(folder)).LoadFromAssemblyPath(fullPath);
    }

    private sealed class FolderContext(string folder) : AssemblyLoadContext("analyzers " + folder)
    {
        protected override Assembly? Load(AssemblyName assemblyName)
        {
            if (assemblyName.Name is not { } name || HostAssemblies.Contains(name))
                return null;
            var candidate = Path.Combine(folder, name + ".dll");
            return File.Exists(candidate) ? LoadFromAssemblyPath(candidate) : null;
        }
    }
}
