using CodeAssist.Engine.Completion;
using CodeAssist.Engine.Context;
using CodeAssist.Engine.Documents;
using CodeAssist.Engine.Models;
using CodeAssist.Engine.Workspace;
using CodeAssist.Inference.Devices;

namespace CodeAssist.Engine.Tests.Completion;

/// <summary>
/// The pipeline with real GenAI model files: a scripted model generates an exact text, and the tests pin what the
/// user sees after context, generation and post-processing.
/// </summary>
public sealed class InlineCompletionEngineTests : IDisposable
{
    private static readonly Uri Uri = new("file:///t/Program.cs");
    private readonly TempDirectory _temp = new();
    private readonly DocumentStore _documents = new();
    private readonly CodeWorkspace _workspace = new();
    private readonly ModelHost _models = new(_ => { });
    private AssistSettings _settings = new();

    private InlineCompletionEngine Engine(string script, bool tokenHealing = false)
    {
        var folder = _temp.ScriptedModel(script);
        if (tokenHealing)
        {
            // Scripted models turn healing off because their reply ignores the prompt's last word; this script was
            // written to start with that word, as a real model's reply is made to.
            var settings = Path.Combine(folder, "codeassist.json");
            File.WriteAllText(settings, File.ReadAllText(settings).Replace("\"tokenHealing\": false", "\"tokenHealing\": true", StringComparison.Ordinal));
        }
        _models.Load(folder, DevicePreference.Cpu);
        _documents.Changed += _workspace.Update;
        return new InlineCompletionEngine(_documents, new ContextBuilder(_workspace, ContextSources.Default(_documents)), _models, () => _settings, () => null);
    }

    private (int Line, int Character) Open(string markup)
    {
        var offset = markup.IndexOf("$0", StringComparison.Ordinal);
        var document = _documents.Open(Uri, "csharp", 1, markup.Remove(offset, 2));
        return document.PositionOf(offset);
    }

    private Task<InlineCompletionResult> Ask(
        InlineCompletionEngine engine, (int Line, int Character) at, CompletionTrigger trigger = CompletionTrigger.Automatic) =>
        engine.CompleteAsync(Query(at, trigger), CancellationToken.None);

    /// <summary>The engine's query at an editor position of the open document (the engine speaks offsets).</summary>
    private InlineCompletionQuery Query((int Line, int Character) at, CompletionTrigger trigger = CompletionTrigger.Automatic) =>
        new(Uri, _documents.TryGet(Uri)!.OffsetOf(at.Line, at.Character)!.Value, trigger);

    private const string Main = "using System;\n\nclass Program\n{\n    static void Main()\n    {\n        $0\n    }\n}\n";

    [Theory]
    [InlineData("Console.WriteLine($0);", "\"hi\");", "\"hi\"")]
    [InlineData("var total = $0", "a + b;\nreturn total;", "a + b;")]
    [InlineData("Console.WriteLine(\"$0\");", "hello\");", "hello")]
    public async Task The_scripted_text_arrives_cleaned_up_for_its_place(string line, string script, string expected)
    {
        var engine = Engine(script);
        var at = Open(Main.Replace("$0", line));

        var item = Assert.Single((await Ask(engine, at)).Items);

        Assert.Equal(expected, item.Text);
    }

    [Fact]
    public async Task A_word_cut_by_the_cursor_is_healed_and_the_suggestion_continues_it()
    {
        var engine = Engine(" Console.WriteLine(\"hi\");", tokenHealing: true);
        var at = Open(Main.Replace("$0", "Conso$0"));

        Assert.Equal("le.WriteLine(\"hi\");", Assert.Single((await Ask(engine, at)).Items).Text);
        var model = (await _models.WhenLoadedAsync(CancellationToken.None))!;
        var document = _documents.TryGet(Uri)!;
        var context = await new ContextBuilder(_workspace, ContextSources.Default(_documents))
            .BuildAsync(document, document.OffsetOf(at.Line, at.Character)!.Value, 1000, model.CountTokens, null, CancellationToken.None);
        // The prompt's prefix ends before " Conso", where GPT-2's words put it.
        Assert.Contains("{\n       <|fim_suffix|>", CompletionPlan.PromptFor(model, context).Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_block_at_a_line_start_stops_at_the_enclosing_scopes_end()
    {
        var engine = Engine("if (args.Length > 0)\n        {\n            return;\n        }\n    }\n}\n");
        var at = Open(Main);

        Assert.Equal("if (args.Length > 0)\n        {\n            return;\n        }", Assert.Single((await Ask(engine, at)).Items).Text);
    }

    [Fact]
    public async Task A_suggestion_that_breaks_the_syntax_is_not_shown()
    {
        var engine = Engine(")) }; ((");
        var at = Open(Main.Replace("$0", "var x = $0"));

        Assert.Empty((await Ask(engine, at)).Items);
    }

    [Fact]
    public async Task Typing_through_a_suggestion_answers_without_the_model()
    {
        var engine = Engine("Console.WriteLine(\"hi\");");
        var at = Open(Main);
        Assert.Equal("Console.WriteLine(\"hi\");", Assert.Single((await Ask(engine, at)).Items).Text);
        var model = await _models.WhenLoadedAsync(CancellationToken.None);
        var generations = model!.GenerationCount;

        _documents.Change(Uri, 2, [new DocumentEdit(at, at, "Cons")]);
        var typed = await Ask(engine, (at.Line, at.Character + 4));

        Assert.Equal("ole.WriteLine(\"hi\");", Assert.Single(typed.Items).Text);
        Assert.Equal(generations, model.GenerationCount);
        Assert.Equal(1, engine.Stats.Snapshot().CacheHits);
    }

    [Fact]
    public async Task A_newer_request_for_the_same_document_cancels_the_older_one()
    {
        var engine = Engine(string.Concat(Enumerable.Repeat("Step(); ", 120)));
        _settings = _settings with { MaxTokens = 1024, GenerationDeadline = TimeSpan.FromMinutes(1) };
        var at = Open(Main);

        var first = engine.CompleteAsync(Query(at), CancellationToken.None);
        var second = engine.CompleteAsync(Query(at), CancellationToken.None);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
        Assert.NotEmpty((await second).Items);
    }

    [Fact]
    public async Task An_explicit_request_returns_only_distinct_candidates()
    {
        var engine = Engine("Console.WriteLine(\"hi\");");
        var at = Open(Main);

        var result = await Ask(engine, at, CompletionTrigger.Invoked);

        Assert.Equal(result.Items.Select(i => i.Text).Distinct(), result.Items.Select(i => i.Text));
        Assert.Equal("Console.WriteLine(\"hi\");", result.Items[0].Text);
    }

    [Fact]
    public async Task With_an_intellisense_item_selected_the_suggestion_extends_it_over_its_range()
    {
        var engine = Engine("(\"hi\");");
        var at = Open(Main.Replace("$0", "Console.Wri$0"));
        var document = _documents.TryGet(Uri)!;
        var offset = document.OffsetOf(at.Line, at.Character)!.Value;

        var result = await engine.CompleteAsync(Query(at) with
        {
            Selected = new SelectedCompletion(offset - 3, offset, "WriteLine"),
        }, CancellationToken.None);

        var item = Assert.Single(result.Items);
        Assert.Equal("WriteLine(\"hi\");", item.Text);
        Assert.Equal(offset - 3, item.StartOffset);
        Assert.Equal(offset, item.EndOffset);
    }

    [Fact]
    public async Task An_offset_outside_the_document_is_a_bad_request()
    {
        var engine = Engine("x");
        Open(Main);
        var error = await Assert.ThrowsAsync<BadRequestException>(
            () => engine.CompleteAsync(new InlineCompletionQuery(Uri, Main.Length + 1, CompletionTrigger.Automatic), CancellationToken.None));
        Assert.Contains("outside", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Disabled_means_no_model_work()
    {
        var engine = Engine("x");
        _settings = _settings with { Enable = false };
        Assert.Empty((await Ask(engine, Open(Main))).Items);
    }

    public void Dispose()
    {
        _models.Dispose();
        _workspace.Dispose();
        _temp.Dispose();
    }
}
