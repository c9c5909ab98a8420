using System.Net;
using System.Net.Sockets;
using CodeAssist.Inference.Generation;
using CodeAssist.Inference.Remote;
using CodeAssist.TeamServerStandIns;

namespace CodeAssist.Inference.Tests.Remote;

/// <summary>Every fault a team server can show: a clear sentence, the Problem status UIs read, and the next request tries again.</summary>
public sealed class TeamServerFaultTests
{
    private const string OpenAiModel = "Qwen/Qwen2.5-Coder-7B";

    [Fact]
    public async Task Connection_refused_says_so_with_the_port()
    {
        using var refusing = new RefusingPort();
        var port = refusing.Port;
        using var model = new RemoteModel(new TeamServerSettings(TeamServerKind.LlamaCpp, new Uri($"http://127.0.0.1:{port}/")), _ => { });

        var fault = await Assert.ThrowsAsync<TeamServerException>(() => model.GenerateAsync(Fim.Request(), CancellationToken.None));

        Assert.Equal(TeamServerFault.ConnectionRefused, fault.Fault);
        Assert.Equal($"the team server at http://127.0.0.1:{port} refused the connection; is it running and listening on port {port}?", fault.Message);
        Assert.Equal(fault.Message, model.Problem);
    }

    [Fact]
    public async Task An_unknown_host_is_a_dns_failure_naming_the_host()
    {
        // The resolver is injected: the test reproduces what the system resolver throws, without asking one.
        var settings = new TeamServerSettings(TeamServerKind.OpenAi, new Uri("http://gpu-box.corp.invalid:8000/")) { Model = OpenAiModel };
        var connection = new TeamServerConnection(settings, (_, _) => Task.FromException<IPAddress[]>(new SocketException((int)SocketError.HostNotFound)));
        using var model = new RemoteModel(settings, _ => { }, connection);

        var fault = await Assert.ThrowsAsync<TeamServerException>(() => model.GenerateAsync(Fim.Request(), CancellationToken.None));

        Assert.Equal(TeamServerFault.HostNotFound, fault.Fault);
        Assert.Equal("the team server's host \"gpu-box.corp.invalid\" was not found by DNS; check backend.url", fault.Message);
    }

    [Theory]
    [InlineData(429, EngineFixtures.TgiOverloaded, TeamServerFault.RateLimited, "is rate limiting (429: Model is overloaded); waiting 30 s")]
    [InlineData(503, "{\"error\":{\"code\":503,\"message\":\"Loading model\",\"type\":\"unavailable_error\"}}", TeamServerFault.Unavailable,
        "is busy or still loading (503: Loading model); waiting 30 s")]
    public async Task Rate_limits_and_loading_back_off_as_long_as_retry_after_says(int status, string body, TeamServerFault expected, string message)
    {
        var time = new ManualTime();
        await using var backend = await StandInBackend.StartAsync(TeamServerKind.LlamaCpp, time: time, routes: server => server
            .On("POST /infill", Replies.Error(status, body, retryAfterSeconds: 30)));

        var fault = await Assert.ThrowsAsync<TeamServerException>(() => backend.Model.GenerateAsync(Fim.Request(), CancellationToken.None));
        Assert.Equal(expected, fault.Fault);
        Assert.Contains(message, fault.Message, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromSeconds(30), fault.RetryAfter);

        // Within the wait the server is not contacted at all.
        time.Advance(TimeSpan.FromSeconds(29));
        await Assert.ThrowsAsync<TeamServerException>(() => backend.Model.GenerateAsync(Fim.Request(), CancellationToken.None));
        Assert.Single(backend.Server.Requests);

        // After it, the next request goes out, and an answer clears the problem.
        backend.Server.On("POST /infill", Replies.Sse(EngineFixtures.LlamaCppChunks(["ok"]), done: false));
        var problems = 0;
        backend.Model.ProblemChanged += () => problems++;
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal("ok", (await backend.Model.GenerateAsync(Fim.Request(), CancellationToken.None)).Text);
        Assert.Equal(2, backend.Server.Requests.Count);
        Assert.Null(backend.Model.Problem);
        Assert.Equal(1, problems);
    }

    [Fact]
    public async Task A_server_that_sends_nothing_by_the_deadline_stalled_and_its_connection_is_closed()
    {
        await using var backend = await StartOpenAiAsync(server => server
            .On("POST /v1/completions", Replies.Stall()));

        var fault = await Assert.ThrowsAsync<TeamServerException>(
            () => backend.Model.GenerateAsync(Fim.Request(deadline: TimeSpan.FromMilliseconds(300)), CancellationToken.None));

        Assert.Equal(TeamServerFault.Stalled, fault.Fault);
        Assert.Contains("sent nothing within 300 ms (the completion deadline)", fault.Message, StringComparison.Ordinal);
        await Single(backend.Server).Aborted;
    }

    [Fact]
    public async Task At_the_deadline_what_arrived_is_the_reply_as_with_the_local_model()
    {
        var sent = new TaskCompletionSource();
        await using var backend = await StartOpenAiAsync(server => server
            .On("POST /v1/completions", Replies.Sse(EngineFixtures.OpenAiCompletionChunks(OpenAiModel, ["first", "never"]), beforeEvent: async i =>
            {
                if (i == 1)
                    await Task.Delay(Timeout.Infinite);
            })));

        var result = await backend.Model.GenerateAsync(Fim.Request(deadline: TimeSpan.FromMilliseconds(500)), CancellationToken.None);

        Assert.Equal("first", result.Text);
        Assert.Equal(StopReason.Deadline, result.StopReason);
        Assert.Null(backend.Model.Problem);
    }

    [Fact]
    public async Task Malformed_json_in_the_stream_is_a_fault_that_names_the_kind()
    {
        await using var backend = await StartOpenAiAsync(server => server
            .On("POST /v1/completions", Replies.Raw("data: {\"choices\":[{\"index\":0,\"text\":\"x\"\n\n", "text/event-stream")));

        var fault = await Assert.ThrowsAsync<TeamServerException>(() => backend.Model.GenerateAsync(Fim.Request(), CancellationToken.None));

        Assert.Equal(TeamServerFault.MalformedReply, fault.Fault);
        Assert.Contains("sent a reply CodeAssist cannot read", fault.Message, StringComparison.Ordinal);
        Assert.Contains("check that backend.kind (openai) matches the server", fault.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(TeamServerKind.OpenAi)]
    [InlineData(TeamServerKind.LlamaCpp)]
    [InlineData(TeamServerKind.Ollama)]
    public async Task A_stream_cut_short_drops_the_suggestion_and_says_why(TeamServerKind kind)
    {
        await using var backend = await StandInBackend.StartAsync(kind, s => s with { Model = "qwen2.5-coder:7b-base" }, routes: server =>
        {
            if (kind == TeamServerKind.OpenAi)
                server.On("POST /v1/completions", Replies.Sse(EngineFixtures.OpenAiCompletionChunks("m", ["half"], finishReason: null!), done: false));
            else if (kind == TeamServerKind.LlamaCpp)
                server.On("POST /infill", Replies.Sse(EngineFixtures.LlamaCppChunks(["half"]).Take(1), done: false));
            else
                server.On("POST /api/generate", Replies.Ndjson(EngineFixtures.OllamaGenerateLines("m", ["half"]).Take(1)));
        });

        var fault = await Assert.ThrowsAsync<TeamServerException>(() => backend.Model.GenerateAsync(Fim.Request(), CancellationToken.None));

        Assert.Equal(TeamServerFault.StreamCutShort, fault.Fault);
        Assert.Contains("closed the stream before the reply was complete", fault.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_error_event_inside_a_stream_is_a_server_error()
    {
        const string outOfMemory = "an error was encountered while running the model: CUDA error: out of memory";
        await using var backend = await StandInBackend.StartAsync(TeamServerKind.Ollama, s => s with { Model = "qwen2.5-coder:7b-base" },
            routes: server => server.On("POST /api/generate", Replies.Ndjson([EngineFixtures.OllamaError(outOfMemory)])));

        var fault = await Assert.ThrowsAsync<TeamServerException>(() => backend.Model.GenerateAsync(Fim.Request(), CancellationToken.None));

        Assert.Equal(TeamServerFault.ServerError, fault.Fault);
        Assert.Contains($"failed while generating ({outOfMemory})", fault.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancelling_closes_the_http_stream_so_the_server_stops_generating()
    {
        await using var backend = await StandInBackend.StartAsync(TeamServerKind.LlamaCpp, routes: server => server
            .On("POST /infill", Replies.Sse(EngineFixtures.LlamaCppChunks(["one", "two"]), done: false, beforeEvent: async i =>
            {
                if (i == 1)
                    await Task.Delay(TimeSpan.FromMinutes(1));
            })));
        using var cancel = new CancellationTokenSource();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var piece in backend.Model.StreamAsync(Fim.Request(), null, cancel.Token))
                await cancel.CancelAsync();
        });

        await Single(backend.Server).Aborted;
        Assert.Null(backend.Model.Problem);
    }

    [Fact]
    public async Task An_unauthorized_key_names_the_variable_and_never_the_key()
    {
        var variable = "CODEASSIST_TEST_KEY_" + Guid.NewGuid().ToString("N");
        const string key = "sk-team-7f3a9c2e51d04b8e";
        Environment.SetEnvironmentVariable(variable, key);
        try
        {
            // A server that echoes what it got: the key must still not reach the message.
            await using var backend = await StandInBackend.StartAsync(TeamServerKind.OpenAi,
                s => s with { Model = OpenAiModel, ApiKeyEnv = variable, LogPrompts = true }, routes: server => server
                .On("POST /v1/completions", (context, request) => Replies.Error(401,
                    EngineFixtures.LlamaCppError(401, $"Invalid API Key: {request.Headers["Authorization"]}", "authentication_error"))(context)));

            var fault = await Assert.ThrowsAsync<TeamServerException>(() => backend.Model.GenerateAsync(Fim.Request(), CancellationToken.None));

            Assert.Equal("Bearer " + key, Assert.Single(backend.Server.Requests).Headers["Authorization"]);
            Assert.Equal(TeamServerFault.Unauthorized, fault.Fault);
            Assert.Contains($"check the key in the environment variable {variable}", fault.Message, StringComparison.Ordinal);
            Assert.Contains("Invalid API Key: Bearer [redacted]", fault.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(key, fault.ToString(), StringComparison.Ordinal);
            Assert.NotEmpty(backend.Log);
            Assert.All(backend.Log, line => Assert.DoesNotContain(key, line, StringComparison.Ordinal));
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Fact]
    public async Task Prompts_stay_out_of_the_log_unless_log_prompts_is_on()
    {
        await using var backend = await StartOpenAiAsync(server => server
            .On("POST /v1/completions", Replies.Error(500, "{\"error\":{\"message\":\"boom\",\"type\":\"InternalServerError\",\"param\":null,\"code\":500}}")));

        await Assert.ThrowsAsync<TeamServerException>(() => backend.Model.GenerateAsync(Fim.Request(prefix: "var secretSauce = "), CancellationToken.None));

        Assert.NotEmpty(backend.Log);
        Assert.All(backend.Log, line => Assert.DoesNotContain("secretSauce", line, StringComparison.Ordinal));
    }

    private static RecordedRequest Single(StandInServer server) => Assert.Single(server.Requests);

    /// <summary>A stand-in OpenAI-compatible server that serves <see cref="OpenAiModel"/> on <paramref name="routes"/>.</summary>
    private static Task<StandInBackend> StartOpenAiAsync(Action<StandInServer> routes) =>
        StandInBackend.StartAsync(TeamServerKind.OpenAi, s => s with { Model = OpenAiModel }, routes: routes);
}
