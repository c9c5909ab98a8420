using CodeAssist.Engine.Completion;
using CodeAssist.Engine.Context;
using CodeAssist.Engine.Context.Sources;
using CodeAssist.Engine.Documents;
using CodeAssist.Engine.Models;
using CodeAssist.Engine.Workspace;
using CodeAssist.Inference.Devices;
using CodeAssist.ModelFactory;

namespace CodeAssist.Engine.Tests.Completion;

/// <summary>
/// The whole pipeline on a real project with the context-echo model, whose reply is the marked identifier (Greek
/// first letter) that reached it through a context piece: each semantic source's piece gives the right completion,
/// and with that one source switched off the same request gets none. A wrong or missing context fails these tests,
/// which no scripted model can show.
/// </summary>
public sealed class ContextReachesTheModelTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly DocumentStore _documents = new();
    private readonly CodeWorkspace _workspace = new();
    private readonly ModelHost _models = new(_ => { });

    public ContextReachesTheModelTests() => _documents.Changed += _workspace.Update;

    /// <summary>See <see cref="SampleProjects.DepotProgram"/> for why each marked member is where it is.</summary>
    private const string Program = SampleProjects.DepotProgram;

    private const string Stock = SampleProjects.DepotStock;

    public static TheoryData<string, string, string> Cases => new()
    {
        { "crate.$0", "ΩWeight", nameof(ReceiverMembersSource) },
        { "Shipping.Send($0", "λCrates", nameof(OverloadSignaturesSource) },
        { "var reserved = $0", "ΣReserved", nameof(ReferencedDeclarationsSource) },
    };

    private async Task<string?> CompleteAsync(string line, Func<IContextSource, bool> keep)
    {
        var root = _temp.Combine("Depot");
        Directory.CreateDirectory(root);
        File.WriteAllText(Path.Combine(root, "Depot.csproj"), SampleProjects.MinimalProject);
        File.WriteAllText(Path.Combine(root, "Stock.cs"), Stock);
        var path = Path.Combine(root, "Program.cs");
        var markup = Program.Replace("$0", line);
        File.WriteAllText(path, markup.Replace("$0", ""));
        Assert.NotNull((await _workspace.LoadProjectsAsync(SolutionLoader.FindProjectSystem([root]), null, CancellationToken.None)).Solution);
        await _workspace.Warming;

        var model = _temp.Combine("echo");
        ModelFolderWriter.WriteContextEcho(model);
        _models.Load(model, DevicePreference.Cpu);
        var offset = markup.IndexOf("$0", StringComparison.Ordinal);
        var document = _documents.Open(new Uri(path), "csharp", 1, markup.Remove(offset, 2));
        var sources = ContextSources.Default(_documents).Where(keep).ToList();
        var engine = new InlineCompletionEngine(_documents, new ContextBuilder(_workspace, sources), _models, () => new AssistSettings(), () => root);
        var result = await engine.CompleteAsync(new InlineCompletionQuery(new Uri(path), offset, CompletionTrigger.Automatic), CancellationToken.None);
        return result.Items.SingleOrDefault()?.Text;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task The_completion_is_the_identifier_only_the_source_carried(string line, string expected, string source)
    {
        Assert.Equal(expected, await CompleteAsync(line, _ => true));
        Assert.Equal(expected, await CompleteAsync(line, s => s.GetType().Name == source));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task With_that_source_switched_off_the_completion_is_gone(string line, string expected, string source) =>
        // The similar windows hold other files' text as it is, so they carry any identifier declared there: they go too.
        Assert.NotEqual(expected, await CompleteAsync(line, s => s.GetType().Name != source && s is not SimilarWindowsSource));

    public void Dispose()
    {
        _models.Dispose();
        _workspace.Dispose();
        _temp.Dispose();
    }
}
