using System.Text.Json.Nodes;

namespace CodeAssist.Bench.Performance;

/// <summary>What the start-up sessions measured.</summary>
internal sealed record StartupSample(double InitializeMs, double? PeakMiB);

internal sealed record LooseSessionFigures(double InitializeMs, double ModelReadyMs, double FirstCompletionColdMs, Distribution WarmMs, int Generations,
    double? ModelLoadedPeakMiB, double? PeakMiB);

/// <summary>
/// Short server sessions on a folder with one loose file: without a model (the server's own footprint) and with
/// one (start-up, model load, the first completion after open and warm ones).
/// </summary>
internal static class ServerSessions
{
    public static async Task<StartupSample> WithoutModelAsync(string looseRoot, string looseFile, string missingModel)
    {
        await using var server = LspServerProcess.Start(["--model", missingModel]);
        var session = new EditorSession(server);
        var answered = await session.InitializeAsync(looseRoot, BenchPlan.InitializationOptions).ConfigureAwait(false);
        var text = await File.ReadAllTextAsync(looseFile).ConfigureAwait(false);
        var document = await session.OpenAsync(looseFile, text).ConfigureAwait(false);
        // The request is answered empty (there is no model), but the document has gone through the whole server.
        await session.InlineCompletionAsync(document, ContextBenchmark.MethodBodyStart(text, 1)).ConfigureAwait(false);
        var peak = server.PeakResidentMiB();
        await server.ShutdownAsync().ConfigureAwait(false);
        return new StartupSample(Clock.Milliseconds(server.StartedAt, answered), peak);
    }

    public static async Task<LooseSessionFigures> WithModelAsync(string looseRoot, string looseFile, string modelDirectory, int warm, IBenchStep step)
    {
        await using var server = LspServerProcess.Start(["--model", modelDirectory]);
        var session = new EditorSession(server);
        var answered = await session.InitializeAsync(looseRoot, BenchPlan.InitializationOptions).ConfigureAwait(false);
        var ready = await server.WaitForNotificationAsync("codeAssist/status", IsReady, TimeSpan.FromMinutes(3)).ConfigureAwait(false);
        var readyAt = ready["receivedAt"]!.GetValue<long>();
        var modelLoadedPeak = server.PeakResidentMiB();
        step.Advance();

        var text = await File.ReadAllTextAsync(looseFile).ConfigureAwait(false);
        var cursor = ContextBenchmark.MethodBodyStart(text, 2) + 8;
        text = text.Insert(cursor - 8, "        \n");
        var document = await session.OpenAsync(looseFile, text).ConfigureAwait(false);
        var before = await session.StatsAsync().ConfigureAwait(false);
        var (_, cold) = await session.InlineCompletionAsync(document, cursor).ConfigureAwait(false);
        step.Advance();
        var warmTimes = new List<double>();
        for (var i = 0; i < warm; i++)
        {
            var typed = BenchPlan.Statement(i);
            await session.ChangeAsync(document, cursor, cursor, typed).ConfigureAwait(false);
            cursor += typed.Length;
            warmTimes.Add((await session.InlineCompletionAsync(document, cursor).ConfigureAwait(false)).Milliseconds);
            step.Advance();
        }
        var generated = (await session.StatsAsync().ConfigureAwait(false) - before).Generations;
        var peak = server.PeakResidentMiB();
        await server.ShutdownAsync().ConfigureAwait(false);
        return new LooseSessionFigures(Clock.Milliseconds(server.StartedAt, answered), Clock.Milliseconds(answered, readyAt), cold,
            Distribution.Of(warmTimes), (int)generated, modelLoadedPeak, peak);
    }

    public static bool IsReady(JsonObject notification) => (string?)notification["params"]?["state"] == "ready";
}
