using System.Globalization;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace CodeAssist.Server.Tests.Reliability;

/// <summary>
/// Thousands of keystrokes against the real process: didChange, inlineCompletion and $/cancelRequest mixed as an
/// impatient typist would. Every request is answered, resident memory, threads and file descriptors stay bounded,
/// the model runs at most once per request, and no task fails unobserved.
/// </summary>
public sealed class SoakTests(ITestOutputHelper output) : IDisposable
{
    private const string Program = "using System;\n\nclass Program\n{\n    static void Main()\n    {\n        \n    }\n}\n";
    private const string Script = "total += step;";
    private const int Requests = 4000;
    private const int Burst = 8;

    private readonly TempDirectory _temp = new();

    [Fact]
    public async Task Thousands_of_edits_requests_and_cancellations_leave_memory_threads_and_descriptors_bounded()
    {
        var random = new Random(4242);
        await using var client = LspTestClient.Serve(_temp.ScriptedModel(Script));
        await client.InitializeAsync(_temp.Path);
        await client.WaitForStatusAsync("ready");
        var paths = new[] { _temp.WriteFile("Program.cs", Program), _temp.WriteFile("Other.cs", Program) };
        var versions = new int[paths.Length];
        var lines = new string[paths.Length][];
        for (var i = 0; i < paths.Length; i++)
        {
            await client.OpenAsync(paths[i], Program, version: versions[i] = 1);
            lines[i] = Program.Split('\n');
        }

        var answers = new List<Task<JsonObject>>();
        var cancelled = 0;
        var samples = new List<(int Requests, long Rss, int Threads, int Descriptors)>();

        async Task TypeBurstAsync(int count)
        {
            var document = random.Next(paths.Length);
            var uri = new Uri(paths[document]).AbsoluteUri;
            for (var k = 0; k < count; k++)
            {
                // Type at the end of line 6, or now and then delete the line's last character.
                var line = lines[document][6];
                var deleting = line.Length > 8 && random.Next(5) == 0;
                var typed = "abcdefghijklmnopqrstuvwxyz ;.()"[random.Next(31)].ToString();
                object change = deleting
                    ? new { range = new { start = new { line = 6, character = line.Length - 1 }, end = new { line = 6, character = line.Length } }, text = "" }
                    : new { range = new { start = new { line = 6, character = line.Length }, end = new { line = 6, character = line.Length } }, text = typed };
                lines[document][6] = deleting ? line[..^1] : line.Length > 60 ? "        " : line + typed;
                if (!deleting && line.Length > 60)
                    change = new { text = string.Join('\n', lines[document]) };
                await client.NotifyAsync("textDocument/didChange",
                    new { textDocument = new { uri, version = ++versions[document] }, contentChanges = new[] { change } });
                var (id, response) = client.StartRequest("textDocument/inlineCompletion", new
                {
                    textDocument = new { uri },
                    position = new { line = 6, character = lines[document][6].Length },
                    context = new { triggerKind = 2 },
                });
                answers.Add(response);
                if (random.Next(3) == 0)
                {
                    cancelled++;
                    if (random.Next(2) == 0)
                        await Task.Delay(random.Next(5));
                    await client.NotifyAsync("$/cancelRequest", new { id });
                }
            }
        }

        // Warm up (JIT, the first generations, Roslyn's first compilation), then measure from there.
        for (var i = 0; i < 200 / Burst; i++)
        {
            await TypeBurstAsync(Burst);
            await answers[^1].WaitAsync(LspTestClient.HangGuard);
        }
        await Task.WhenAll(answers).WaitAsync(LspTestClient.HangGuard);
        var warm = answers.Count;
        samples.Add((answers.Count, client.ResidentKiB(), Threads(client), Descriptors(client)));

        while (answers.Count - warm < Requests)
        {
            await TypeBurstAsync(Burst);
            // Wait for the burst's last answer, as an editor waits for the suggestion it will show.
            await answers[^1].WaitAsync(LspTestClient.HangGuard);
            if ((answers.Count - warm) % 500 == 0)
            {
                await Task.WhenAll(answers).WaitAsync(LspTestClient.HangGuard);
                samples.Add((answers.Count - warm, client.ResidentKiB(), Threads(client), Descriptors(client)));
            }
        }
        var all = await Task.WhenAll(answers).WaitAsync(LspTestClient.HangGuard);

        var withItems = all.Count(a => a["result"]?["items"]?.AsArray().Count > 0);
        var empty = all.Count(a => a["result"]?["items"]?.AsArray().Count == 0);
        var cancelledAnswers = all.Count(a => (int?)a["error"]?["code"] == -32800);
        var otherErrors = all.Where(a => a["error"] is not null && (int?)a["error"]?["code"] != -32800).Select(a => a.ToJsonString()).ToList();
        Assert.True(otherErrors.Count == 0, string.Join("\n", otherErrors.Take(5)));
        Assert.Equal(all.Length, withItems + empty + cancelledAnswers);
        Assert.True(withItems > 0, "no request got a suggestion");

        var stats = (await client.RequestAsync("codeAssist/stats", null))["result"]!;
        var generations = (int)stats["generations"]!;
        // Automatic requests ask for one candidate: the model runs at most once per request, and the cache and
        // superseding save most runs.
        Assert.InRange(generations, 1, all.Length);

        // Ids of answered requests are free again: the transport's bookkeeping of requests in progress does not leak.
        var reused = client.Track("1000000005");
        await client.SendRawAsync(System.Text.Encoding.UTF8.GetBytes("{\"jsonrpc\":\"2.0\",\"id\":1000000005,\"method\":\"codeAssist/stats\"}"));
        Assert.NotNull((await reused.WaitAsync(LspTestClient.HangGuard))["result"]);

        var (_, startRss, startThreads, startDescriptors) = samples[0];
        var (_, endRss, endThreads, endDescriptors) = samples[^1];
        var middle = samples[samples.Count / 2];
        output.WriteLine($"{all.Length} inlineCompletion requests ({warm} warm-up) with {all.Length} didChange, {cancelled} $/cancelRequest; " +
            $"answers: {withItems} with a suggestion, {empty} empty (superseded or stale), {cancelledAnswers} RequestCancelled; " +
            $"stats: {stats.ToJsonString()}");
        foreach (var sample in samples)
            output.WriteLine($"after {sample.Requests,5} requests: RSS {sample.Rss / 1024.0:F1} MiB, {sample.Threads} threads, {sample.Descriptors} fds");

        Assert.Equal(0, await client.ShutdownAndExitAsync());
        await client.DrainAsync(LspTestClient.HangGuard);
        Assert.Empty(client.Violations);
        // The server collects once before exiting, so a task that failed unobserved would be in its log by now.
        Assert.DoesNotContain("unobserved task exception", client.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(" error] ", client.Stderr, StringComparison.Ordinal);

        // Bounded, not flat: the GC and native allocators keep some of what they got. A leak of a Roslyn solution or a
        // GenAI generator per request would add hundreds of MiB over 4000 requests, and keep growing in the second half.
        Assert.True(endRss - startRss < 256 * 1024, $"RSS grew from {startRss / 1024} MiB to {endRss / 1024} MiB");
        Assert.True(endRss - middle.Rss < 128 * 1024, $"RSS still grew in the second half: {middle.Rss / 1024} MiB to {endRss / 1024} MiB");
        Assert.True(endThreads <= startThreads + 16, $"threads grew from {startThreads} to {endThreads}");
        Assert.True(endDescriptors <= startDescriptors + 16, $"file descriptors grew from {startDescriptors} to {endDescriptors}");
    }

    private static int Threads(LspTestClient client)
    {
        foreach (var line in File.ReadLines($"/proc/{client.Process.Id}/status"))
        {
            if (line.StartsWith("Threads:", StringComparison.Ordinal))
                return int.Parse(line["Threads:".Length..].Trim(), CultureInfo.InvariantCulture);
        }
        return -1;
    }

    private static int Descriptors(LspTestClient client) => Directory.GetFiles($"/proc/{client.Process.Id}/fd").Length;

    public void Dispose() => _temp.Dispose();
}
