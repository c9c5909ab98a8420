using CodeAssist.Inference.Remote;
using CodeAssist.TeamServerStandIns;

namespace CodeAssist.Inference.Tests.Remote;

/// <summary>
/// The same checks against the stand-ins (by default) or a real engine: set CODEASSIST_TEAM_SERVER to KIND=URL
/// (openai=http://vllm:8000, llamacpp=http://gpu01:8080, ollama=http://box:11434), optionally
/// CODEASSIST_TEAM_SERVER_MODEL and CODEASSIST_API_KEY, and the case for that kind runs against it (docs/TEAM.md).
/// </summary>
public sealed class TeamServerConformanceTests
{
    public const string Variable = "CODEASSIST_TEAM_SERVER";

    private static async Task<(RemoteModel Model, StandInServer? StandIn)> TargetAsync(TeamServerKind kind)
    {
        if (Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } real)
        {
            var settings = TeamServerSettings.ParseOption(real)!;
            if (settings.Kind != kind)
                return (null!, null);
            settings = settings with
            {
                Model = Environment.GetEnvironmentVariable(Variable + "_MODEL") ?? settings.Model,
                ApiKeyEnv = Environment.GetEnvironmentVariable("CODEASSIST_API_KEY") is { Length: > 0 } ? "CODEASSIST_API_KEY" : null,
            };
            return (new RemoteModel(settings, _ => { }), null);
        }
        var server = await StandInServer.StartAsync();
        const string qwen = "qwen2.5-coder:7b-base";
        switch (kind)
        {
            case TeamServerKind.OpenAi:
                server.On("GET /v1/models", Replies.Json(EngineFixtures.OpenAiModels("Qwen/Qwen2.5-Coder-7B")))
                      .On("POST /tokenize", Replies.Json(EngineFixtures.VllmTokenize(1)))
                      .On("POST /v1/completions", Replies.Sse(
                      [
                          .. EngineFixtures.OpenAiCompletionChunks("Qwen/Qwen2.5-Coder-7B", ["count", ";"]),
                          EngineFixtures.OpenAiUsageChunk("Qwen/Qwen2.5-Coder-7B", 60, 2, 48),
                      ]));
                break;
            case TeamServerKind.LlamaCpp:
                server.On("GET /v1/models", Replies.Json(EngineFixtures.LlamaCppModels()))
                      .On("POST /infill", Replies.Sse(EngineFixtures.LlamaCppChunks(["count", ";"], tokensCached: 48, tokensEvaluated: 60), done: false));
                break;
            default:
                server.On("GET /api/tags", Replies.Json(EngineFixtures.OllamaTags(qwen)))
                      .On("POST /api/show", Replies.Json(EngineFixtures.OllamaShow(insert: true)))
                      .On("POST /api/generate", Replies.Ndjson(EngineFixtures.OllamaGenerateLines(qwen, ["count", ";"])));
                break;
        }
        var standIn = new TeamServerSettings(kind, TeamServerSettings.ParseUrl(server.Url.ToString())) { Model = kind == TeamServerKind.Ollama ? qwen : null };
        return (new RemoteModel(standIn, _ => { }), server);
    }

    [Theory]
    [InlineData(TeamServerKind.OpenAi)]
    [InlineData(TeamServerKind.LlamaCpp)]
    [InlineData(TeamServerKind.Ollama)]
    public async Task The_server_lists_its_models_and_fills_in_the_middle(TeamServerKind kind)
    {
        var (model, standIn) = await TargetAsync(kind);
        if (model is null)
            return; // CODEASSIST_TEAM_SERVER names another kind: this case has nothing to run against.
        await using var _ = standIn;
        using (model)
        {
            var models = await model.ProbeAsync(CancellationToken.None);
            Assert.NotEmpty(models);
            Assert.Null(model.Problem);

            var request = Fim.Request(prefix: "int Add(int a, int b)\n{\n    var count = a + b;\n    return ", suffix: "\n}\n");
            var result = await model.GenerateAsync(request with { Prompt = model.Format.BuildCompletion(request.Fim!) }, CancellationToken.None);

            Assert.NotEqual("", result.Text);
            Assert.True(result.NewTokens > 0);
            Assert.Null(model.Problem);
        }
    }

    [Theory]
    [InlineData(TeamServerKind.OpenAi)]
    [InlineData(TeamServerKind.LlamaCpp)]
    [InlineData(TeamServerKind.Ollama)]
    public async Task Doctor_reaches_the_server_times_a_completion_and_checks_the_prompt_cache(TeamServerKind kind)
    {
        var (model, standIn) = await TargetAsync(kind);
        if (model is null)
            return;
        await using var _ = standIn;
        var settings = model.Settings;
        model.Dispose();

        var (lines, healthy) = await TeamServerDoctor.RunAsync(settings, null, CancellationToken.None);

        var report = lines.ToDictionary(l => l.Name, l => l.Value);
        Assert.True(healthy, string.Join("\n", lines));
        Assert.Equal("yes", report["reached"]);
        Assert.Contains("tokens in", report["FIM completion"], StringComparison.Ordinal);
        Assert.EndsWith(" ms", report["time to first token"], StringComparison.Ordinal);
        Assert.Contains("prompt cache", report.Keys);
        if (standIn is not null && kind != TeamServerKind.Ollama)
            Assert.StartsWith("hit: 48 of 60 prompt tokens reused", report["prompt cache"], StringComparison.Ordinal);
    }
}
