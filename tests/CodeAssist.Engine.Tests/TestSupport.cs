using CodeAssist.ModelFactory;

namespace CodeAssist.Engine.Tests;

/// <summary>A temporary folder per test: fixture projects are copied here so MSBuild output never lands in the repository.</summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "codeassist-tests", Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    /// <summary>Copies Fixtures/NAME here and returns its folder.</summary>
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

    public string ScriptedModel(string script)
    {
        var directory = Combine("model-" + Guid.NewGuid().ToString("N")[..6]);
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
        }
    }
}
