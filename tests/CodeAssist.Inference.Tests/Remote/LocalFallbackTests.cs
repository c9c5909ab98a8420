using System.Collections.Concurrent;
using CodeAssist.Inference.Models;
using CodeAssist.Inference.Remote;
using CodeAssist.TeamServerStandIns;

namespace CodeAssist.Inference.Tests.Remote;

/// <summary>
/// <c>fallback: "local"</c>: the local model answers while the team server is down, the status says so, no keystroke
/// waits on the dead server, and once the server is back (found by a check the interval allows) it answers again.
/// </summary>
public sealed class LocalFallbackTests : IDisposable
{
    private const string FromServer = "total + 1";
    private const string FromLocal = "subtotal * 2";

    private readonly TempDirectory _temp = new();

    private static StandInServer LlamaServer(StandInServer server) => server
        .On("GET /v1/models", Replies.Json(EngineFixtures.LlamaCppModels()))
        .On("POST /infill", Replies.Sse(EngineFixtures.LlamaCppChunks(["total", " + 1"]), done: false));

    private static async Task<string> CompleteAsync(ITextGenerator model)
    {
        var text = "";
        await foreach (var piece in model.StreamAsync(Fim.Request(), null, CancellationToken.None))
            text += piece;
        return text;
    }

    [Fact]
    public async Task The_local_model_answers_while_the_team_server_is_down_and_the_server_again_once_it_is_back()
    {
        var time = new ManualTime();
        var localFolder = TestModels.Scripted(_temp, FromLocal);
        TestModels.EditJson(localFolder, ModelFolder.SettingsFile, json => json["languages"] = new System.Text.Json.Nodes.JsonArray("csharp"));
        var server = LlamaServer(await StandInServer.StartAsync());
        var port = server.Url.Port;
        var settings = new TeamServerSettings(TeamServerKind.LlamaCpp, server.Url) { FallbackToLocal = true };
        var loads = 0;
        using var backend = new LocalFallback(new RemoteModel(settings, _ => { }), () =>
        {
            Interlocked.Increment(ref loads);
            return TestModels.LoadOnCpu(localFolder);
        }, time);
        var statusChanges = new ConcurrentQueue<string?>();
        backend.ProblemChanged += () => statusChanges.Enqueue(backend.Problem);
        try
        {
            // The server answers; the local model is not even loaded.
            Assert.Equal(FromServer, await CompleteAsync(backend));
            Assert.Equal(0, loads);
            Assert.Null(backend.Problem);
            Assert.True(backend.Languages.IsAll);

            // The server goes down: the same request is answered by the local model, and the status says both things.
            await server.DisposeAsync();
            Assert.Equal(FromLocal, await CompleteAsync(backend));
            var refused = $"the team server at http://127.0.0.1:{port} refused the connection; is it running and listening on port {port}?";
            Assert.True(backend.AnsweringLocally);
            Assert.Equal($"{refused}; the local model answers meanwhile", backend.Problem);
            Assert.Equal($"llamacpp at http://127.0.0.1:{port} (local model codeassist-scripted answering)", backend.Backend);
            Assert.Equal($"{refused}; the local model answers meanwhile", statusChanges.Last());
            Assert.Equal(1, loads);
            Assert.False(backend.Languages.Includes("python"), "while the C#-only local model answers, Python files get nothing");

            // Back up on the same port, but within the interval nobody asks it: keystrokes never wait on a server found dead.
            server = LlamaServer(await StandInServer.StartAsync(port: port));
            Assert.Equal(FromLocal, await CompleteAsync(backend));
            Assert.Equal(FromLocal, (await backend.GenerateCandidatesAsync(Fim.Request(), 2, CancellationToken.None))[0].Text);
            Assert.Empty(server.Requests);

            // Once the interval has passed, a request (still answered locally) starts one check of the server ...
            var back = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            backend.ProblemChanged += () =>
            {
                if (!backend.AnsweringLocally)
                    back.TrySetResult();
            };
            time.Advance(LocalFallback.RecheckInterval);
            Assert.Equal(FromLocal, await CompleteAsync(backend));
            await back.Task.WaitAsync(LspTestClient.HangGuard);

            // ... and the server answers the next request: the status is clean again.
            Assert.Null(backend.Problem);
            Assert.Equal($"llamacpp at http://127.0.0.1:{port}", backend.Backend);
            Assert.Equal(FromServer, await CompleteAsync(backend));
            Assert.True(backend.Languages.IsAll);
            Assert.Equal(["GET /v1/models", "POST /infill"], server.Requests.Select(r => $"{r.Method} {r.Path}"));
            Assert.Null(statusChanges.Last());
            Assert.Equal(1, loads);
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    [Fact]
    public async Task Without_a_local_model_the_servers_fault_stands()
    {
        using var refusing = new RefusingPort();
        var port = refusing.Port;
        var settings = new TeamServerSettings(TeamServerKind.LlamaCpp, new Uri($"http://127.0.0.1:{port}/")) { FallbackToLocal = true };
        using var fallback = new LocalFallback(new RemoteModel(settings, _ => { }), () => null);

        var fault = await Assert.ThrowsAsync<TeamServerException>(() => CompleteAsync(fallback));

        Assert.Equal(TeamServerFault.ConnectionRefused, fault.Fault);
        Assert.False(fallback.AnsweringLocally);
        Assert.Equal($"the team server at http://127.0.0.1:{port} refused the connection; is it running and listening on port {port}?", fallback.Problem);
    }

    [Fact]
    public async Task A_fault_that_is_not_the_server_being_away_is_not_hidden_by_the_local_model()
    {
        var localFolder = TestModels.Scripted(_temp, FromLocal);
        await using var server = await StandInServer.StartAsync();
        server.On("POST /infill", Replies.Error(401, EngineFixtures.LlamaCppInvalidKey));
        var settings = new TeamServerSettings(TeamServerKind.LlamaCpp, server.Url) { FallbackToLocal = true };
        using var fallback = new LocalFallback(new RemoteModel(settings, _ => { }), () => TestModels.LoadOnCpu(localFolder));

        var fault = await Assert.ThrowsAsync<TeamServerException>(() => CompleteAsync(fallback));

        Assert.Equal(TeamServerFault.Unauthorized, fault.Fault);
        Assert.False(fallback.AnsweringLocally);
    }

    public void Dispose() => _temp.Dispose();
}
