using CodeAssist.Inference.Generation;
using CodeAssist.Inference.Remote;
using CodeAssist.TeamServerStandIns;

namespace CodeAssist.Inference.Tests.Remote;

/// <summary>Ollama: /api/generate raw with our prompt, NDJSON, /api/chat, /api/tags and /api/show.</summary>
public sealed class OllamaWireTests
{
    private const string Model = "qwen2.5-coder:7b-base";

    [Fact]
    public async Task Generate_sends_our_prompt_raw_with_options_and_reads_ndjson()
    {
        await using var backend = await StandInBackend.StartAsync(TeamServerKind.Ollama, s => s with { Model = Model, ContextLength = 8192 },
            routes: server => server
            .On("POST /api/generate", Replies.Ndjson(EngineFixtures.OllamaGenerateLines(Model, ["items", ".Count"]))));
        var streamed = new List<string>();
        GenerationResult? result = null;

        await foreach (var piece in backend.Model.StreamAsync(Fim.Request(), r => result = r))
            streamed.Add(piece);

        Assert.Equal(["items", ".Count"], streamed);
        Assert.Equal(26, result!.PromptTokens);
        Assert.Equal(
            """{"model":"qwen2.5-coder:7b-base","prompt":"<|file_sep|>src/Cart.cs\n<|fim_prefix|>var total = <|fim_suffix|>;\n<|fim_middle|>","raw":""" +
            """true,"stream":true,"keep_alive":"30m","options":""" +
            """{"num_predict":64,"temperature":0,"stop":["\n","<|endoftext|>","<|fim_pad|>","<|file_sep|>"],"num_ctx":8192}}""",
            Assert.Single(backend.Server.Requests).Body);
    }

    [Fact]
    public async Task A_refactoring_goes_to_api_chat()
    {
        await using var backend = await StandInBackend.StartAsync(TeamServerKind.Ollama, s => s with { Model = Model }, routes: server => server
            .On("POST /api/chat", Replies.Ndjson(EngineFixtures.OllamaChatLines(Model, ["int ", "Add();"]))));
        var turns = new ChatTurns("You refactor C#.", "Simplify Add.");

        var result = await backend.Model.GenerateAsync(new GenerationRequest("ignored by /api/chat", 100) { Chat = turns }, CancellationToken.None);

        Assert.Equal("int Add();", result.Text);
        Assert.Equal(
            """{"model":"qwen2.5-coder:7b-base","messages":""" +
            """[{"role":"system","content":"You refactor C#."},{"role":"user","content":"Simplify Add."}],"stream":true,"keep_alive":"30m","options":""" +
            """{"num_predict":100,"temperature":0,"stop":["<|im_end|>","<|endoftext|>"],"num_ctx":4096}}""",
            Assert.Single(backend.Server.Requests).Body);
    }

    [Fact]
    public async Task An_unknown_model_is_a_404_whose_message_names_it()
    {
        await using var backend = await StandInBackend.StartAsync(TeamServerKind.Ollama, s => s with { Model = "qwen2.5-coder:99b" }, routes: server => server
            .On("POST /api/generate", Replies.Error(404, EngineFixtures.OllamaError("model \"qwen2.5-coder:99b\" not found, try pulling it first"))));

        var fault = await Assert.ThrowsAsync<TeamServerException>(() => backend.Model.GenerateAsync(Fim.Request(), CancellationToken.None));

        Assert.Equal(TeamServerFault.ModelNotFound, fault.Fault);
        Assert.Contains("does not serve the model \"qwen2.5-coder:99b\"", fault.Message, StringComparison.Ordinal);
        Assert.Contains("not found, try pulling it first", fault.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_probe_lists_tags_and_a_model_without_insert_capability_cannot_fill_in_the_middle()
    {
        await using var backend = await StandInBackend.StartAsync(TeamServerKind.Ollama, s => s with { Model = "qwen2.5-coder:7b" }, routes: server => server
            .On("GET /api/tags", Replies.Json(EngineFixtures.OllamaTags("qwen2.5-coder:7b", "llama3.2:latest")))
            .On("POST /api/show", Replies.Json(EngineFixtures.OllamaShow(insert: false))));

        var models = await backend.Model.ProbeAsync(CancellationToken.None);

        Assert.Equal(["qwen2.5-coder:7b", "llama3.2:latest"], models.Select(m => m.Name));
        Assert.Contains("cannot fill in the middle (Ollama lists no \"insert\" capability for it)", backend.Model.Problem, StringComparison.Ordinal);
        Assert.Equal("""{"model":"qwen2.5-coder:7b"}""", backend.Server.Requests[1].Body);
    }

    [Fact]
    public async Task A_model_the_server_does_not_have_is_named_with_what_it_has()
    {
        await using var backend = await StandInBackend.StartAsync(TeamServerKind.Ollama, s => s with { Model = "starcoder2:15b" }, routes: server => server
            .On("GET /api/tags", Replies.Json(EngineFixtures.OllamaTags("qwen2.5-coder:7b-base"))));

        await backend.Model.ProbeAsync(CancellationToken.None);

        Assert.Equal(
            "the team server at " + backend.Model.Settings.Endpoint +
            " does not serve the model \"starcoder2:15b\"; it serves qwen2.5-coder:7b-base; set backend.model to one of them",
            backend.Model.Problem);
    }
}
