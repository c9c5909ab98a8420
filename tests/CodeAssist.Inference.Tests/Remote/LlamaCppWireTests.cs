using CodeAssist.Inference.Generation;
using CodeAssist.Inference.Prompts;
using CodeAssist.Inference.Remote;
using CodeAssist.TeamServerStandIns;

namespace CodeAssist.Inference.Tests.Remote;

/// <summary>llama.cpp's llama-server: /infill with our Roslyn pieces as input_extra, /completion for chat.</summary>
public sealed class LlamaCppWireTests
{
    [Fact]
    public async Task Infill_gets_prefix_suffix_and_the_roslyn_pieces_as_input_extra_chunks()
    {
        await using var backend = await StandInBackend.StartAsync(TeamServerKind.LlamaCpp, routes: server => server
            .On("POST /infill", Replies.Sse(EngineFixtures.LlamaCppChunks(["cart", ".Total", "()"], tokensCached: 96, tokensEvaluated: 120), done: false)));
        ContextFile[] pieces =
        [
            new("src/Money.cs", "public readonly record struct Money(decimal Amount);"),
            new("members of Cart", "decimal Total()\nvoid Add(Item item)\n"),
        ];
        GenerationResult? result = null;
        var streamed = new List<string>();

        await foreach (var piece in backend.Model.StreamAsync(Fim.Request(deadline: TimeSpan.FromMilliseconds(2500), context: pieces), r => result = r))
            streamed.Add(piece);

        Assert.Equal(["cart", ".Total", "()"], streamed);
        Assert.Equal(96, result!.ReusedPromptTokens);
        Assert.Equal(120, result.PromptTokens);
        Assert.Equal(
            """{"input_prefix":"var total = ","input_suffix":";\n","input_extra":[""" +
            """{"filename":"src/Money.cs","text":"public readonly record struct Money(decimal Amount);\n"},""" +
            """{"filename":"members of Cart","text":"decimal Total()\nvoid Add(Item item)\n"}],"n_predict":""" +
            """64,"cache_prompt":true,"t_max_predict_ms":2500,"temperature":0,"stop":["\n"],"stream":true}""",
            Assert.Single(backend.Server.Requests).Body);
    }

    [Fact]
    public async Task Extra_candidates_are_seeded_requests_with_samplers()
    {
        await using var backend = await StandInBackend.StartAsync(TeamServerKind.LlamaCpp, routes: server => server
            .On("POST /infill", Replies.Sse(EngineFixtures.LlamaCppChunks(["x"]), done: false)));

        var results = await ((ITextGenerator)backend.Model).GenerateCandidatesAsync(Fim.Request(), 2, CancellationToken.None);

        Assert.Equal(2, results.Count);
        Assert.Contains("\"temperature\":0.8,\"top_p\":0.95,\"top_k\":40,\"seed\":1,", backend.Server.Requests[1].Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refactoring_goes_to_completion_with_our_chat_template()
    {
        await using var backend = await StandInBackend.StartAsync(TeamServerKind.LlamaCpp, routes: server => server
            .On("POST /completion", Replies.Sse(EngineFixtures.LlamaCppChunks(["int Add(int a, int b) => a + b;"], stopType: "word"), done: false)));
        var turns = new ChatTurns("You refactor C#.", "Simplify Add.");

        var result = await backend.Model.GenerateAsync(
            new GenerationRequest(ChatFormat.ChatMl.Build(turns.System, turns.User), 128) { Chat = turns }, CancellationToken.None);

        Assert.Equal("int Add(int a, int b) => a + b;", result.Text);
        Assert.Equal(
            """{"prompt":"<|im_start|>system\nYou refactor C#.<|im_end|>\n<|im_start|>user\nSimplify Add.<|im_end|>\n<|im_start|>assistant\n","n_predict":""" +
            """128,"cache_prompt":true,"temperature":0,"stream":true}""",
            Assert.Single(backend.Server.Requests).Body);
    }

    [Fact]
    public async Task A_model_without_fim_tokens_answers_501_and_the_problem_says_what_to_serve()
    {
        await using var backend = await StandInBackend.StartAsync(TeamServerKind.LlamaCpp, routes: server => server
            .On("POST /infill", Replies.Error(501, EngineFixtures.LlamaCppNoInfill)));

        var fault = await Assert.ThrowsAsync<TeamServerException>(() => backend.Model.GenerateAsync(Fim.Request(), CancellationToken.None));

        Assert.Equal(TeamServerFault.NoFimTokens, fault.Fault);
        Assert.Contains("Infill is not supported by this model: prefix token is missing.", fault.Message, StringComparison.Ordinal);
        Assert.Contains("serve a base coder model", fault.Message, StringComparison.Ordinal);
        Assert.Equal(fault.Message, backend.Model.Problem);
    }

    [Fact]
    public async Task The_probe_reads_the_model_from_v1_models_and_needs_no_model_name()
    {
        await using var backend = await StandInBackend.StartAsync(TeamServerKind.LlamaCpp, routes: server => server
            .On("GET /v1/models", Replies.Json(EngineFixtures.LlamaCppModels())));

        await backend.Model.ProbeAsync(CancellationToken.None);

        Assert.Equal("../models/qwen2.5-coder-7b-q8_0.gguf", backend.Model.Name);
        Assert.Null(backend.Model.Problem);
    }
}
