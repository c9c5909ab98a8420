using CodeAssist.ModelFactory;

namespace CodeAssist.TestSupport;

/// <summary>
/// A fresh folder under the system temp directory per test (or test class), deleted with everything in it on
/// dispose. Fixture projects are copied here so MSBuild output never lands in the repository, and test models are
/// written here by our own generator.
/// </summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory(string prefix = "codeassist-tests-")
    {
        Path = Directory.CreateTempSubdirectory(prefix).FullName;
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public string WriteFile(string relativePath, string text)
    {
        var path = Combine(relativePath);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>Copies the test project's Fixtures/NAME (copied to its output) here and returns its folder.</summary>
    public string Fixture(string name)
    {
        var source = System.IO.Path.Combine(AppContext.BaseDirectory, "Fixtures", name);
        var target = Combine(name);
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var destination = System.IO.Path.Combine(target, System.IO.Path.GetRelativePath(source, file));
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
        }
        return target;
    }

    /// <summary>A scripted model (its greedy reply to a FIM prompt is <paramref name="script"/>) in a new subfolder.</summary>
    public string ScriptedModel(string script, string? name = null)
    {
        var directory = Combine(name ?? "model-" + Guid.NewGuid().ToString("N")[..6]);
        ModelFolderWriter.WriteScripted(directory, script);
        return directory;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A file still mapped by a native library or held by a build host for a moment; temp folders are cleaned eventually.
        }
    }
}
