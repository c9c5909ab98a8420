using Microsoft.CodeAnalysis;

namespace CodeAssist.Engine.Refactoring;

/// <summary>
/// Where generated tests go: a new file in the test project (a project referencing xunit or named *Tests, preferring
/// one that references the code's project), or beside the code when the solution has none.
/// </summary>
internal sealed record TestFileLocation(ProjectId Project, string FilePath, string ClassName, string Namespace, bool InTestProject)
{
    public static TestFileLocation Choose(Document source, string typeName, string methodName, string? sourceNamespace)
    {
        var solution = source.Project.Solution;
        var testProject = solution.Projects
            .Where(p => p.Id != source.Project.Id && p.Language == LanguageNames.CSharp && p.FilePath is not null && IsTestProject(p))
            .OrderByDescending(p => p.ProjectReferences.Any(r => r.ProjectId == source.Project.Id))
            .ThenBy(p => p.Name, StringComparer.Ordinal)
            .FirstOrDefault();
        var folder = testProject is not null ? Path.GetDirectoryName(testProject.FilePath)! : Path.GetDirectoryName(source.FilePath)!;
        var project = testProject ?? source.Project;
        var taken = new HashSet<string>(
            solution.Projects.SelectMany(p => p.Documents).Select(d => d.FilePath).OfType<string>(), StringComparer.OrdinalIgnoreCase);
        var className = typeName + "Tests";
        foreach (var candidate in Candidates(typeName, methodName))
        {
            var path = Path.Combine(folder, candidate + ".cs");
            if (!File.Exists(path) && !taken.Contains(path))
            {
                className = candidate;
                break;
            }
        }
        var ns = testProject is not null ? DefaultNamespace(testProject) : sourceNamespace ?? DefaultNamespace(source.Project);
        return new TestFileLocation(project.Id, Path.Combine(folder, className + ".cs"), className, ns, testProject is not null);
    }

    private static IEnumerable<string> Candidates(string typeName, string methodName)
    {
        yield return typeName + "Tests";
        yield return typeName + methodName + "Tests";
        for (var i = 2; i < 100; i++)
            yield return typeName + methodName + "Tests" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    private static bool IsTestProject(Project project) =>
        // A multi-targeted project is loaded once per framework as "Name(net10.0)".
        project.Name.Split('(')[0] is var name
            && (name.EndsWith("Tests", StringComparison.OrdinalIgnoreCase) || name.EndsWith("Test", StringComparison.OrdinalIgnoreCase))
        || project.MetadataReferences.OfType<PortableExecutableReference>()
            .Any(r => Path.GetFileName(r.FilePath ?? "").StartsWith("xunit", StringComparison.OrdinalIgnoreCase));

    private static string DefaultNamespace(Project project) =>
        project.DefaultNamespace is { Length: > 0 } ns ? ns : project.AssemblyName.Replace('-', '_');
}
