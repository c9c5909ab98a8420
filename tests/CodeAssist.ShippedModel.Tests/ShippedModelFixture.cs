using CodeAssist.Engine;
using CodeAssist.Engine.Completion;
using CodeAssist.Engine.Hosting;
using CodeAssist.Inference;
using CodeAssist.Server;

namespace CodeAssist.ShippedModel.Tests;

/// <summary>
/// One engine with the shipped model loaded, shared by the tests of a class: loading takes a moment, and
/// the tests only open, complete and close documents in their own scratch folder.
/// </summary>
public sealed class ShippedModelFixture : IAsyncLifetime
{
    private readonly DirectoryInfo _scratch = Directory.CreateTempSubdirectory("codeassist-shipped-");

    /// <summary>A fixed name: the workspace folder's name is the repository name in the prompt, so a random one would vary it.</summary>
    private DirectoryInfo Workspace => field ??= _scratch.CreateSubdirectory("Samples");

    public static string ModelDirectory { get; } = Path.Combine(RepositoryRoot(), "models", "codeassist-tiny");

    public EngineHost Engine { get; private set; } = null!;

    public LanguageModel Model { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        // Greedy, one candidate, and a deadline no loaded CI machine reaches: the tests check text, not speed.
        var settings = new AssistSettings { ModelPath = ModelDirectory, Device = "cpu", Candidates = 1, GenerationDeadline = TimeSpan.FromMinutes(1) };
        Engine = new EngineHost(settings, new ServerLog(LogLevel.Warn));
        Engine.UseWorkspace([Workspace.FullName]);
        Engine.StartModelLoad();
        Model = await Engine.Models.WhenLoadedAsync(CancellationToken.None) as LanguageModel
            ?? throw new InvalidOperationException($"The shipped model in {ModelDirectory} did not load: {Engine.Models.LoadError}");
    }

    /// <summary>The first suggestion at <c>$0</c> in <paramref name="markup"/>, written as Program.cs in the workspace.</summary>
    public async Task<string> CompleteAsync(string markup)
    {
        var offset = markup.IndexOf("$0", StringComparison.Ordinal);
        Assert.True(offset >= 0, "The markup needs a $0 cursor.");
        var text = markup.Remove(offset, 2);
        var path = Path.Combine(Workspace.FullName, "Program.cs");
        await File.WriteAllTextAsync(path, text);
        var uri = new Uri(path);
        var document = Engine.Documents.Open(uri, "csharp", 1, text);
        try
        {
            var result = await Engine.Completion.CompleteAsync(new InlineCompletionQuery(uri, offset, CompletionTrigger.Automatic), CancellationToken.None);
            return result.Items.Count > 0 ? result.Items[0].Text : "";
        }
        finally
        {
            Engine.Documents.Close(uri);
        }
    }

    public Task DisposeAsync()
    {
        Engine.Dispose();
        _scratch.Delete(recursive: true);
        return Task.CompletedTask;
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "CodeAssist.sln")))
            directory = directory.Parent;
        return directory?.FullName ?? throw new InvalidOperationException($"No CodeAssist.sln above {AppContext.BaseDirectory}.");
    }
}
