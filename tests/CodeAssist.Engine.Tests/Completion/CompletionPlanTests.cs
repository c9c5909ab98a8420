using CodeAssist.Engine.Completion;
using CodeAssist.Engine.Context;
using CodeAssist.Engine.Documents;
using CodeAssist.Engine.Models;
using CodeAssist.Engine.Workspace;
using CodeAssist.Inference.Devices;

namespace CodeAssist.Engine.Tests.Completion;

/// <summary>
/// The one request a completion makes of the model. The engine, codeAssist/context and the bench's raw side all take
/// it from <see cref="CompletionPlan"/>; a copy of it once lost the healed text, and the bench compared unequal work.
/// </summary>
public sealed class CompletionPlanTests : IDisposable
{
    private static readonly Uri Uri = new("file:///t/Program.cs");
    private readonly TempDirectory _temp = new();
    private readonly DocumentStore _documents = new();
    private readonly CodeWorkspace _workspace = new();
    private readonly ModelHost _models = new(_ => { });

    private const string Main = "using System;\n\nclass Program\n{\n    static void Main()\n    {\n        $0\n    }\n}\n";

    private async Task<CompletionPlan> PlanAsync(string markup, AssistSettings settings)
    {
        var folder = _temp.ScriptedModel("x");
        var config = Path.Combine(folder, "codeassist.json");
        // Scripted models switch healing off; this test is about the healed text reaching the request.
        File.WriteAllText(config, File.ReadAllText(config).Replace("\"tokenHealing\": false", "\"tokenHealing\": true", StringComparison.Ordinal));
        _models.Load(folder, DevicePreference.Cpu);
        var model = (await _models.WhenLoadedAsync(CancellationToken.None))!;
        var offset = markup.IndexOf("$0", StringComparison.Ordinal);
        var document = _documents.Open(Uri, "csharp", 1, markup.Remove(offset, 2));
        var builder = new ContextBuilder(_workspace, ContextSources.Default(_documents));
        return await CompletionPlan.BuildAsync(builder, model, document, offset, settings, null, CancellationToken.None);
    }

    [Fact]
    public async Task The_request_carries_the_healed_word_and_the_prompt_stops_before_it()
    {
        var settings = new AssistSettings { MaxTokens = 17, GenerationDeadline = TimeSpan.FromSeconds(9) };
        var plan = await PlanAsync(Main.Replace("$0", "Conso$0"), settings);

        var request = plan.Request(settings);

        Assert.Equal(" Conso", plan.Prompt.HealedText);
        Assert.Equal(plan.Prompt.HealedText, request.HealedText);
        Assert.Equal(plan.Prompt.Text, request.Prompt);
        Assert.DoesNotContain("Conso", request.Prompt, StringComparison.Ordinal);
        Assert.Equal((17, TimeSpan.FromSeconds(9)), (request.MaxNewTokens, request.Deadline));
        Assert.Equal(["\n"], request.StopStrings); // mid-line: the suggestion finishes the line
        Assert.Null(request.Sampling); // greedy: GenerateCandidatesAsync derives the sampled candidates
        Assert.Equal(plan.Prompt.Fim, request.Fim); // the pieces, for team servers that build the FIM prompt themselves
    }

    [Fact]
    public async Task At_an_empty_line_a_block_may_follow_unless_multiline_is_off()
    {
        Assert.Empty((await PlanAsync(Main, new AssistSettings())).Request(new AssistSettings()).StopStrings);
        var singleLine = new AssistSettings { Multiline = false };
        Assert.Equal(["\n"], (await PlanAsync(Main, singleLine)).Request(singleLine).StopStrings);
    }

    [Fact]
    public async Task A_request_for_a_reported_prompt_is_the_plans_own()
    {
        var settings = new AssistSettings();
        var plan = await PlanAsync(Main.Replace("$0", "Conso$0"), settings);

        Assert.Equivalent(plan.Request(settings), CompletionPlan.RequestFor(plan.Prompt, plan.AllowsBlock, settings), strict: true);
    }

    public void Dispose()
    {
        _models.Dispose();
        _workspace.Dispose();
        _temp.Dispose();
    }
}
