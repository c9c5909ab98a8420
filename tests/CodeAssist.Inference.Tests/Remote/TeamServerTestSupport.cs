using System.Collections.Concurrent;
using CodeAssist.Inference.Generation;
using CodeAssist.Inference.Prompts;
using CodeAssist.Inference.Remote;
using CodeAssist.TeamServerStandIns;

namespace CodeAssist.Inference.Tests.Remote;

/// <summary>A clock the test moves, for Retry-After back-off without waiting.</summary>
internal sealed class ManualTime : TimeProvider
{
    private DateTimeOffset _now = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}

/// <summary>A backend on a stand-in server, with the log it wrote.</summary>
internal sealed class StandInBackend : IAsyncDisposable
{
    public required StandInServer Server { get; init; }
    public required RemoteModel Model { get; init; }
    public required ConcurrentQueue<string> Log { get; init; }

    public static async Task<StandInBackend> StartAsync(TeamServerKind kind, Func<TeamServerSettings, TeamServerSettings>? configure = null,
        StandInTls? tls = null, TimeProvider? time = null, Action<StandInServer>? routes = null)
    {
        var server = await StandInServer.StartAsync(tls);
        routes?.Invoke(server);
        var settings = new TeamServerSettings(kind, TeamServerSettings.ParseUrl(server.Url.ToString()));
        settings = configure?.Invoke(settings) ?? settings;
        var log = new ConcurrentQueue<string>();
        var model = new RemoteModel(settings, log.Enqueue, null, time);
        return new StandInBackend { Server = server, Model = model, Log = log };
    }

    public async ValueTask DisposeAsync()
    {
        Model.Dispose();
        await Server.DisposeAsync();
    }
}

internal static class Fim
{
    /// <summary>A completion request as the engine makes it: our Qwen FIM prompt, the pieces it was built from.</summary>
    public static GenerationRequest Request(string prefix = "var total = ", string suffix = ";\n", int maxTokens = 64, TimeSpan? deadline = null,
        IReadOnlyList<ContextFile>? context = null)
    {
        var fim = new FimRequest(prefix, suffix) { FilePath = "src/Cart.cs", ContextFiles = context ?? [] };
        return new GenerationRequest(FimFormat.Qwen.Build(fim), maxTokens) { Fim = fim, StopStrings = ["\n"], Deadline = deadline ?? TimeSpan.FromSeconds(30) };
    }
}
