using CodeAssist.Engine.Completion;
using CodeAssist.Engine.Context;
using CodeAssist.Engine.Documents;
using CodeAssist.Engine.Models;
using CodeAssist.Engine.Workspace;
using CodeAssist.Inference.Devices;

namespace CodeAssist.Engine.Tests.Reliability;

/// <summary>
/// Faults the engine meets in the field, with real components: damaged model folders, a project MSBuild cannot read,
/// files deleted under open documents, documents too large or binary. None may throw past the engine's API or leave
/// it unable to serve the next request; each leaves a message that names what is wrong.
/// </summary>
public sealed class EngineFaultTests : IDisposable
{
    private const string Script = "Console.WriteLine(\"ok\");";
    private readonly TempDirectory _temp = new();
    private readonly DocumentStore _documents = new();
    private readonly CodeWorkspace _workspace = new();

    private readonly ModelHost _models = new(_ => { });

    public EngineFaultTests(Xunit.Abstractions.ITestOutputHelper output)
    {
        _output = output;
        _documents.Changed += _workspace.Update;
    }

    private readonly Xunit.Abstractions.ITestOutputHelper _output;

    /// <summary>Damage done to a good scripted model folder, and a word the load error must contain.</summary>
    public static TheoryData<string, string> DamagedModels => new()
    {
        { "missing folder", "does not exist" },
        { "file instead of a folder", "is a file" },
        { "garbage model.onnx", "model.onnx" },
        { "empty model.onnx", "model.onnx" },
        { "model.onnx is a folder", "model.onnx" },
        { "genai_config.json is not JSON", "genai_config.json" },
        { "genai_config.json missing", "genai_config.json" },
        { "tokenizer.json is not JSON", "tokenizer.json" },
        { "tokenizer.json missing", "tokenizer.json" },
    };

    [Theory]
    [MemberData(nameof(DamagedModels))]
    public async Task A_damaged_model_folder_is_a_load_error_that_names_the_problem_and_a_good_one_loads_after_it(string damage, string named)
    {
        var folder = Damage(damage);

        _models.Load(folder, DevicePreference.Cpu);
        var model = await _models.WhenLoadedAsync(CancellationToken.None);

        Assert.Null(model);
        Assert.NotNull(_models.LoadError);
        Assert.Contains(named, _models.LoadError, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(Path.GetFileName(folder), _models.LoadError, StringComparison.Ordinal);

        _models.Load(_temp.ScriptedModel(Script), DevicePreference.Cpu);
        Assert.NotNull(await _models.WhenLoadedAsync(CancellationToken.None));
        Assert.Null(_models.LoadError);
    }

    [Fact]
    public async Task A_document_over_the_completable_size_is_answered_empty_without_running_the_model()
    {
        var engine = Engine();
        var model = await _models.WhenLoadedAsync(CancellationToken.None);
        var uri = new Uri("file:///t/Huge.cs");
        var padding = string.Concat(Enumerable.Repeat("    int field; // padding padding padding padding padding padding\n", 10 * 1024 * 1024 / 64));
        var text = "class Huge\n{\n" + padding + "}\n";
        _documents.Open(uri, "csharp", 1, text);
        _documents.Change(uri, 2, [new DocumentEdit((2, 0), (2, 0), "    ")]);

        var result = await engine.CompleteAsync(
            new InlineCompletionQuery(uri, _documents.TryGet(uri)!.OffsetOf(2, 4)!.Value, CompletionTrigger.Invoked), CancellationToken.None);

        Assert.True(text.Length > DocumentStore.MaxCompletableLength);
        Assert.Empty(result.Items);
        Assert.Equal(0, model!.GenerationCount);
    }

    [Fact]
    public async Task A_binary_document_with_nul_bytes_is_completed_without_an_exception()
    {
        var engine = Engine();
        var bytes = new byte[64 * 1024];
        new Random(7).NextBytes(bytes);
        for (var i = 0; i < bytes.Length; i += 5)
            bytes[i] = 0;
        var uri = new Uri("file:///t/blob.bin");
        var document = _documents.Open(uri, "plaintext", 1, System.Text.Encoding.Latin1.GetString(bytes));
        var result = await engine.CompleteAsync(new InlineCompletionQuery(uri, document.Text.Length / 2, CompletionTrigger.Invoked), CancellationToken.None);

        // What a scripted model says in a binary file does not matter; that the engine answers does.
        Assert.NotNull(result);
        _output.WriteLine(string.Join("\n", result.Items.Select(i => i.Text)));
        var csharp = _documents.Open(new Uri("file:///t/Program.cs"), "csharp", 1, "class P\n{\n    void M()\n    {\n        \n    }\n}\n");
        var next = await engine.CompleteAsync(
            new InlineCompletionQuery(csharp.Uri, csharp.OffsetOf(4, 8)!.Value, CompletionTrigger.Automatic), CancellationToken.None);
        Assert.Equal(Script, Assert.Single(next.Items).Text);
    }

    [Fact]
    public async Task A_nul_character_before_the_cursor_does_not_cut_the_prompt()
    {
        // GenAI's tokenizer reads C strings; before the fix the prompt ended at the NUL and lost its FIM markers.
        var engine = Engine();
        var document = _documents.Open(
            new Uri("file:///t/Nul.cs"), "csharp", 1, "using System;\n// a\0b\nclass P\n{\n    void M()\n    {\n        \n    }\n}\n");

        var result = await engine.CompleteAsync(
            new InlineCompletionQuery(document.Uri, document.OffsetOf(6, 8)!.Value, CompletionTrigger.Automatic), CancellationToken.None);

        Assert.Equal(Script, Assert.Single(result.Items).Text);
    }

    [Fact]
    public async Task A_project_msbuild_cannot_read_is_a_warning_naming_it_and_open_files_keep_their_semantic_model()
    {
        var folder = _temp.Fixture("Broken");

        var result = await _workspace.LoadProjectsAsync(SolutionLoader.FindProjectSystem([folder]), null, CancellationToken.None);

        _output.WriteLine(string.Join("\n", result.Warnings));
        Assert.Contains(result.Warnings, w => w.Contains("Broken.csproj", StringComparison.Ordinal));
        Assert.False(_workspace.IsLoadingProjects);
        var widget = Path.Combine(folder, "Widget.cs");
        var snapshot = _documents.Open(new Uri(widget), "csharp", 1, File.ReadAllText(widget));
        var document = _workspace.GetDocument(snapshot);
        Assert.NotNull(await document!.GetSemanticModelAsync());
    }

    [Fact]
    public async Task Files_deleted_under_open_and_closed_documents_leave_the_workspace_consistent()
    {
        var folder = _temp.Fixture("Shop");
        var result = await _workspace.LoadProjectsAsync(SolutionLoader.FindProjectSystem([folder]), null, CancellationToken.None);
        Assert.NotEmpty(result.LoadedFrom);
        await _workspace.Warming;
        var open = Path.Combine(folder, "src", "Order.cs");
        var closed = Path.Combine(folder, "src", "Checkout.cs");
        var snapshot = _documents.Open(new Uri(open), "csharp", 1, File.ReadAllText(open) + "\n// edited\n");

        File.Delete(open);
        File.Delete(closed);
        _workspace.ApplyDiskChanges([open, closed]);

        // The open document keeps the editor's text; the closed one is gone from the solution.
        var document = _workspace.GetDocument(snapshot);
        Assert.EndsWith("// edited\n", (await document!.GetTextAsync()).ToString(), StringComparison.Ordinal);
        Assert.Empty(_workspace.CurrentSolution.GetDocumentIdsWithFilePath(closed));

        _documents.Close(snapshot.Uri);
        _workspace.Close(open);
        Assert.NotNull(await _workspace.CurrentSolution.Projects.Single(p => p.Name == "Shop").GetCompilationAsync());
    }

    private InlineCompletionEngine Engine()
    {
        _models.Load(_temp.ScriptedModel(Script), DevicePreference.Cpu);
        var settings = new AssistSettings();
        return new InlineCompletionEngine(_documents, new ContextBuilder(_workspace, ContextSources.Default(_documents)), _models, () => settings, () => null);
    }

    private string Damage(string damage)
    {
        var folder = _temp.ScriptedModel(Script);
        switch (damage)
        {
            case "missing folder":
                Directory.Delete(folder, recursive: true);
                break;
            case "file instead of a folder":
                Directory.Delete(folder, recursive: true);
                File.WriteAllText(folder, "not a model");
                break;
            case "garbage model.onnx":
                var garbage = new byte[256 * 1024];
                new Random(11).NextBytes(garbage);
                File.WriteAllBytes(Path.Combine(folder, "model.onnx"), garbage);
                break;
            case "empty model.onnx":
                File.WriteAllBytes(Path.Combine(folder, "model.onnx"), []);
                break;
            case "model.onnx is a folder":
                File.Delete(Path.Combine(folder, "model.onnx"));
                Directory.CreateDirectory(Path.Combine(folder, "model.onnx"));
                break;
            case "genai_config.json is not JSON":
                File.WriteAllText(Path.Combine(folder, "genai_config.json"), "{ \"model\": ");
                break;
            case "genai_config.json missing":
                File.Delete(Path.Combine(folder, "genai_config.json"));
                break;
            case "tokenizer.json is not JSON":
                File.WriteAllText(Path.Combine(folder, "tokenizer.json"), "\0\0\0");
                break;
            case "tokenizer.json missing":
                File.Delete(Path.Combine(folder, "tokenizer.json"));
                break;
            default:
                throw new ArgumentException(damage);
        }
        return folder;
    }

    public void Dispose()
    {
        _models.Dispose();
        _workspace.Dispose();
        _temp.Dispose();
    }
}
