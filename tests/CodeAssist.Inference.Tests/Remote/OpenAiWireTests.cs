using CodeAssist.Inference.Generation;
using CodeAssist.Inference.Prompts;
using CodeAssist.Inference.Remote;
using CodeAssist.TeamServerStandIns;

namespace CodeAssist.Inference.Tests.Remote;

/// <summary>vLLM / TGI / llama.cpp's OpenAI routes: what we send, and how we read what they stream.</summary>
public sealed class OpenAiWireTests
{
    private const string Model = "Qwen/Qwen2.5-Coder-7B";

    [Fact]
    public async Task A_fim_completion_sends_our_qwen_prompt_in_prompt_and_streams_the_choices_text()
    {
        await using var backend = await StandInBackend.StartAsync(TeamServerKind.OpenAi, s => s with { Model = Model }, routes: server => server
            .On("POST /v1/completions", Replies.Sse(
            [
                .. EngineFixtures.OpenAiCompletionChunks(Model, ["items", ".Sum(i => i.Price)"]),
                EngineFixtures.OpenAiUsageChunk(Model, 42, 7, cached: 32),
            ])));
        var pieces = new List<string>();
        GenerationResult? result = null;

        await foreach (var piece in backend.Model.StreamAsync(Fim.Request(), r => result = r))
            pieces.Add(piece);

        Assert.Equal("items.Sum(i => i.Price)", string.Concat(pieces));
        Assert.Equal(StopReason.EndOfText, result!.StopReason);
        Assert.Equal(42, result.PromptTokens);
        Assert.Equal(32, result.ReusedPromptTokens);
        var request = Assert.Single(backend.Server.Requests);
        Assert.Equal(
            """{"model":"Qwen/Qwen2.5-Coder-7B","prompt":"<|file_sep|>src/Cart.cs\n<|fim_prefix|>var total = <|fim_suffix|>;\n<|fim_middle|>","max_tokens":""" +
            """64,"temperature":0,"stop":["\n","<|endoftext|>","<|fim_pad|>","<|file_sep|>"],"n":1,"stream":true,"stream_options":{"include_usage":true}}""",
            request.Body);
        Assert.Equal("application/json", request.Headers["Content-Type"]);
        Assert.False(request.Headers.ContainsKey("Authorization"));
    }

    [Fact]
    public async Task Candidates_are_a_greedy_request_and_one_sampled_request_with_n_choices()
    {
        await using var backend = await StandInBackend.StartAsync(TeamServerKind.OpenAi, s => s with { Model = Model }, routes: server => server
            .On("POST /v1/completions", async (context, request) =>
            {
                var sampled = request.Body.Contains("\"n\":2", StringComparison.Ordinal);
                var events = sampled
                    ? [.. EngineFixtures.OpenAiCompletionChunks(Model, ["a + b"], index: 0),
                       .. EngineFixtures.OpenAiCompletionChunks(Model, ["b + a"], index: 1)]
                    : EngineFixtures.OpenAiCompletionChunks(Model, ["a+b"]);
                await Replies.Sse(events)(context);
            }));

        var results = await ((ITextGenerator)backend.Model).GenerateCandidatesAsync(Fim.Request(), 3, CancellationToken.None);

        Assert.Equal(["a+b", "a + b", "b + a"], results.Select(r => r.Text));
        var bodies = backend.Server.Requests.Select(r => r.Body).OrderBy(b => b.Length).ToList();
        Assert.Equal(2, bodies.Count);
        Assert.Contains("\"temperature\":0,", bodies[0], StringComparison.Ordinal);
        Assert.Contains("\"n\":1,", bodies[0], StringComparison.Ordinal);
        Assert.Contains("\"temperature\":0.8,\"top_p\":0.95,\"seed\":1,", bodies[1], StringComparison.Ordinal);
        Assert.Contains("\"n\":2,", bodies[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refactoring_goes_to_chat_completions_with_system_and_user_messages()
    {
        await using var backend = await StandInBackend.StartAsync(TeamServerKind.OpenAi, s => s with { Model = Model }, routes: server => server
            .On("POST /v1/chat/completions", Replies.Sse(EngineFixtures.OpenAiChatChunks(Model, ["```csharp\n", "int Add(int a, int b) => a + b;\n", "```"]))));
        var turns = new ChatTurns("You refactor C#.", "Simplify Add.");
        var request = new GenerationRequest(ChatFormat.ChatMl.Build(turns.System, turns.User), 256) { Chat = turns };

        var result = await backend.Model.GenerateAsync(request, CancellationToken.None);

        Assert.Equal("```csharp\nint Add(int a, int b) => a + b;\n```", result.Text);
        Assert.Equal(
            """{"model":"Qwen/Qwen2.5-Coder-7B","messages":""" +
            """[{"role":"system","content":"You refactor C#."},{"role":"user","content":"Simplify Add."}],"max_tokens":""" +
            """256,"temperature":0,"stop":["<|im_end|>","<|endoftext|>"],"n":1,"stream":true,"stream_options":{"include_usage":true}}""",
            Assert.Single(backend.Server.Requests).Body);
    }

    [Fact]
    public async Task The_probe_takes_the_served_model_its_window_and_its_format_from_v1_models()
    {
        await using var backend = await StandInBackend.StartAsync(TeamServerKind.OpenAi, routes: server => server
            .On("GET /v1/models", Replies.Json(EngineFixtures.OpenAiModels("Qwen/Qwen2.5-Coder-32B", maxModelLen: 16384)))
            .On("POST /tokenize", Replies.Json(EngineFixtures.VllmTokenize(1))));

        var models = await backend.Model.ProbeAsync(CancellationToken.None);

        Assert.Equal("Qwen/Qwen2.5-Coder-32B", Assert.Single(models).Name);
        Assert.Equal("Qwen/Qwen2.5-Coder-32B", backend.Model.Name);
        Assert.Equal(16384, backend.Model.Window);
        Assert.Equal("qwen", backend.Model.Format.Fim?.Id);
        Assert.Null(backend.Model.Problem);
        Assert.Equal("""{"model":"Qwen/Qwen2.5-Coder-32B","prompt":"<|fim_prefix|>"}""", backend.Server.Requests[1].Body);
    }

    [Fact]
    public async Task A_model_whose_tokenizer_splits_the_fim_marker_is_reported_as_having_no_fim_tokens()
    {
        await using var backend = await StandInBackend.StartAsync(TeamServerKind.OpenAi, routes: server => server
            .On("GET /v1/models", Replies.Json(EngineFixtures.OpenAiModels("Qwen/Qwen2.5-7B-Instruct")))
            .On("POST /tokenize", Replies.Json(EngineFixtures.VllmTokenize(7))));

        await backend.Model.ProbeAsync(CancellationToken.None);

        Assert.Contains("cannot fill in the middle", backend.Model.Problem, StringComparison.Ordinal);
        Assert.Contains("splits <|fim_prefix|> into 7 tokens", backend.Model.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_model_name_that_says_no_family_asks_for_prompt_format_and_contacts_nobody()
    {
        await using var backend = await StandInBackend.StartAsync(TeamServerKind.OpenAi, s => s with { Model = "team-coder-v3" });

        var refused = await Assert.ThrowsAsync<InferenceUnavailableException>(() => backend.Model.GenerateAsync(Fim.Request(), CancellationToken.None));

        Assert.Contains("set backend.promptFormat", refused.Message, StringComparison.Ordinal);
        Assert.Empty(backend.Server.Requests);
    }
}
