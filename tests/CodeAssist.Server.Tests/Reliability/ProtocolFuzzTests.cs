using System.Text;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace CodeAssist.Server.Tests.Reliability;

/// <summary>
/// Malformed and hostile traffic over the real process's stdio: every kind gets the JSON-RPC error code the
/// specification names, stdout carries nothing but protocol, and afterwards the server still completes exactly.
/// </summary>
public sealed class ProtocolFuzzTests(ITestOutputHelper output) : IDisposable
{
    private const string Script = "Console.WriteLine(\"fuzz\");";
    private const string Program = "using System;\n\nclass Program\n{\n    static void Main()\n    {\n        \n    }\n}\n";

    /// <summary>Codes a hostile client may get; -32603 (a handler bug) and -32000 (an unmapped exception) are not among them.</summary>
    private static readonly int[] ExpectedCodes = [-32700, -32600, -32601, -32602, -32002, -32800, -32801, -32803];

    private readonly TempDirectory _temp = new();

    /// <summary>A raw frame and what it earns: an error with <paramref name="Id"/>, or <paramref name="NullAnswers"/> errors with id null.</summary>
    private sealed record Case(string Name, byte[] Frame, int? Code, string? Id = null, int NullAnswers = 1);

    private static byte[] Json(string body, string? header = null) => HostileMessages.Frame(Encoding.UTF8.GetBytes(body), header);

    private static object InlineParams(string path, int line, int character) => new
    {
        textDocument = new { uri = new Uri(path).AbsoluteUri },
        position = new { line, character },
        context = new { triggerKind = 2 },
    };

    [Fact]
    public async Task Each_kind_of_malformed_message_gets_the_json_rpc_error_code_for_it_and_the_server_keeps_serving()
    {
        await using var client = LspTestClient.Serve(_temp.ScriptedModel(Script));
        var path = _temp.WriteFile("Program.cs", Program);
        var uri = new Uri(path).AbsoluteUri;
        Case[] beforeInitialize =
        [
            new("body that is not JSON", Json("{not json"), -32700),
            new("body that is not UTF-8",
                HostileMessages.Frame([.. "{\"jsonrpc\":\"2.0\",\"method\":\"x"u8.ToArray(), 0xFF, 0xFE, .. "\"}"u8.ToArray()]), -32700),
            new("empty body", Json("", "Content-Length: 0\r\n\r\n"), -32700),
            new("header without Content-Length", Json("{}", "Content-Type: application/json\r\n\r\n"), -32700),
            new("Content-Length that is not a number", Json("{}", "Content-Length: two\r\n\r\n"), -32700),
            new("header line without a colon", Json("{}", "Garbage\r\n\r\n"), -32700),
            new("bytes before the header",
                [.. "\u0001\u0002noise"u8.ToArray(), .. Json("""{"jsonrpc":"2.0","id":11,"method":"nothing/here"}""")], -32601, "11"),
            new("nested deeper than 64",
                Json("{\"jsonrpc\":\"2.0\",\"id\":12,\"method\":\"x\",\"params\":" + new string('[', 100) + new string(']', 100) + "}"), -32700),
            new("content after the object", Json("""{"jsonrpc":"2.0","id":13,"method":"x"} {}"""), -32700),
            new("a batch", Json("""[{"jsonrpc":"2.0","id":14,"method":"codeAssist/stats"}]"""), -32600),
            new("a number", Json("42"), -32600),
            new("no method, no result", Json("""{"jsonrpc":"2.0","id":15}"""), -32600, "15"),
            new("jsonrpc 1.0", Json("""{"jsonrpc":"1.0","id":16,"method":"codeAssist/stats"}"""), -32600, "16"),
            new("jsonrpc missing", Json("""{"id":17,"method":"codeAssist/stats"}"""), -32600, "17"),
            new("id that is an object", Json("""{"jsonrpc":"2.0","id":{"a":1},"method":"codeAssist/stats"}"""), -32600),
            new("id that is a fraction", Json("""{"jsonrpc":"2.0","id":1.5,"method":"codeAssist/stats"}"""), -32600),
            new("method that is a number", Json("""{"jsonrpc":"2.0","id":18,"method":5}"""), -32600, "18"),
            new("params that are a string", Json("""{"jsonrpc":"2.0","id":19,"method":"codeAssist/stats","params":"x"}"""), -32600, "19"),
            new("unknown method", Json("""{"jsonrpc":"2.0","id":20,"method":"textDocument/hover","params":{}}"""), -32601, "20"),
            new("request before initialize",
                Json("""{"jsonrpc":"2.0","id":21,"method":"textDocument/inlineCompletion","params":""" +
                     $$$"""{"textDocument":{"uri":"{{{uri}}}"},"position":{"line":0,"character":0},"context":{"triggerKind":1}} }"""), -32002, "21"),
            new("shutdown before initialize", Json("""{"jsonrpc":"2.0","id":"s","method":"shutdown"}"""), -32002, "\"s\""),
            new("notification before initialize",
                Json("""{"jsonrpc":"2.0","method":"textDocument/didOpen","params":""" +
                     $$$"""{"textDocument":{"uri":"{{{uri}}}","languageId":"csharp","version":1,"text":"x"}} }"""), null),
            new("response nobody asked for", Json("""{"jsonrpc":"2.0","id":99,"result":{"x":1}}"""), null),
            new("error response nobody asked for", Json("""{"jsonrpc":"2.0","id":98,"error":{"code":-1,"message":"no"}}"""), null),
            new("cancel of an unknown request", Json("""{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":12345}}"""), null),
        ];
        foreach (var @case in beforeInitialize)
            await CheckAsync(client, @case, "codeAssist/stats");

        await client.InitializeAsync(_temp.Path);
        await client.WaitForStatusAsync("ready");
        await client.OpenAsync(path, Program);
        Case[] afterInitialize =
        [
            new("position of the wrong type",
                Json("""{"jsonrpc":"2.0","id":31,"method":"textDocument/inlineCompletion","params":""" +
                     $$$"""{"textDocument":{"uri":"{{{uri}}}"},"position":"6:8"}}"""), -32602, "31"),
            new("uri of the wrong type",
                Json("""{"jsonrpc":"2.0","id":32,"method":"textDocument/inlineCompletion","params":""" +
                     """{"textDocument":{"uri":5},"position":{"line":0,"character":0}}}"""), -32602, "32"),
            new("params missing", Json("""{"jsonrpc":"2.0","id":33,"method":"textDocument/inlineCompletion"}"""), -32602, "33"),
            new("positional params", Json("""{"jsonrpc":"2.0","id":34,"method":"codeAssist/stats","params":[1,2]}"""), -32602, "34"),
            new("line past the end",
                Json("""{"jsonrpc":"2.0","id":35,"method":"textDocument/inlineCompletion","params":""" +
                     $$$"""{"textDocument":{"uri":"{{{uri}}}"},"position":{"line":9999,"character":0},"context":{"triggerKind":1}} }"""), -32602, "35"),
            new("negative character",
                Json("""{"jsonrpc":"2.0","id":36,"method":"textDocument/inlineCompletion","params":""" +
                     $$$"""{"textDocument":{"uri":"{{{uri}}}"},"position":{"line":0,"character":-4},"context":{"triggerKind":1}} }"""), -32602, "36"),
            new("document never opened",
                Json("""{"jsonrpc":"2.0","id":37,"method":"textDocument/inlineCompletion","params":""" +
                     """{"textDocument":{"uri":"file:///nowhere/Other.cs"},"position":{"line":0,"character":0},"context":{"triggerKind":1}}}"""), -32602, "37"),
            new("context for nothing", Json("""{"jsonrpc":"2.0","id":38,"method":"codeAssist/context","params":{}}"""), -32602, "38"),
            new("initialize again", Json("""{"jsonrpc":"2.0","id":39,"method":"initialize","params":{"capabilities":{}}}"""), -32600, "39"),
            new("unknown command",
                Json("""{"jsonrpc":"2.0","id":40,"method":"workspace/executeCommand","params":""" +
                     """{"command":"rm -rf /","arguments":[]}}"""), -32602, "40"),
            new("change of an unopened document",
                Json("""{"jsonrpc":"2.0","method":"textDocument/didChange","params":""" +
                     """{"textDocument":{"uri":"file:///nowhere/Other.cs","version":2},"contentChanges":[{"text":"x"}]}}"""), null),
            // The cut body is one parse error, the rest of it before the next header another.
            new("Content-Length too short",
                Json("""{"jsonrpc":"2.0","id":41,"method":"codeAssist/stats"}""", "Content-Length: 20\r\n\r\n"), -32700, NullAnswers: 2),
        ];
        foreach (var @case in afterInitialize)
            await CheckAsync(client, @case, "codeAssist/stats");

        // A Content-Length that claims more than the body has swallows the start of the next message; the server reads
        // on at the header inside and answers that message too.
        var swallowed = client.Track("42");
        await client.SendRawAsync(
        [
            .. Json("""{"jsonrpc":"2.0","method":"codeAssist/stats"}""", "Content-Length: 70\r\n\r\n"),
            .. Json("""{"jsonrpc":"2.0","id":42,"method":"codeAssist/stats"}"""),
        ], header: "");
        Assert.NotNull((await swallowed.WaitAsync(LspTestClient.HangGuard))["result"]);

        // A duplicate of an id still in progress is refused; the original still gets its answer.
        // Both arrive in one write, so the second is read while the first generates.
        var original = client.Track("43");
        await client.SendRawAsync([
            .. Json("""{"jsonrpc":"2.0","id":43,"method":"textDocument/inlineCompletion","params":""" +
                    $$$"""{"textDocument":{"uri":"{{{uri}}}"},"position":{"line":6,"character":8},"context":{"triggerKind":1}} }"""),
            .. Json("""{"jsonrpc":"2.0","id":43,"method":"codeAssist/stats"}""")], header: "");
        await original.WaitAsync(LspTestClient.HangGuard);
        var answers = await WaitForResponsesAsync(client, "43", 2);
        Assert.Contains(answers,
            a => (int?)a["error"]?["code"] == -32600 && ((string?)a["error"]?["message"])!.Contains("already used", StringComparison.Ordinal));
        Assert.Contains(answers, a => (string?)a["result"]?["items"]?[0]?["insertText"] == Script);

        var completion = await client.RequestAsync("textDocument/inlineCompletion", InlineParams(path, 6, 8));
        Assert.Equal(Script, (string?)completion["result"]!["items"]![0]!["insertText"]);
        Assert.Equal(0, await client.ShutdownAndExitAsync());
        await client.DrainAsync(LspTestClient.HangGuard);
        Assert.Empty(client.Violations);
        Assert.Contains("protocol: parse error (-32700)", client.Stderr);
        Assert.Contains("textDocument/didChange was not applied: file:///nowhere/Other.cs is not open", client.Stderr);
    }

    [Fact]
    public async Task Thousands_of_seeded_hostile_messages_leave_stdout_pure_protocol_and_the_next_completion_exact()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("CODEASSIST_FUZZ_SEED"), out var chosen) ? chosen : 20_251_111;
        const int count = 3000;
        var model = _temp.ScriptedModel(Script);
        await using var client = LspTestClient.Serve(model);
        await client.InitializeAsync(_temp.Path, new { modelPath = model });
        await client.WaitForStatusAsync("ready");
        var path = _temp.WriteFile("Program.cs", Program);
        await client.OpenAsync(path, Program);
        var messages = new HostileMessages(seed, new Uri(path).AbsoluteUri);
        var owed = new List<string>();
        var kinds = new Dictionary<string, int>();
        var bytes = 0L;
        var recent = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var message = messages.Next();
            kinds[message.Kind] = kinds.GetValueOrDefault(message.Kind) + 1;
            bytes += message.Bytes.Length;
            // Requests to $/ methods are StreamJsonRpc's own business (cancellation, progress); the rest are owed an answer.
            if (message.AnsweredId is { } id && message.Bytes.AsSpan().IndexOf("\"method\":\"$/"u8) < 0)
                owed.Add(id);
            await client.SendRawAsync(message.Bytes, header: "");
            recent.Add(message.Kind);
            if (i % 100 == 99)
            {
                // A Content-Length that is too long swallows the start of this probe; the server must still find it.
                var longLength = messages.LongLength(out _);
                await client.SendRawAsync(longLength.Bytes, header: "");
                var probe = await ProbeAsync(client, LspTestClient.HangGuard,
                    $"after message {i} (seed {seed}; the last ones: {string.Join(", ", recent.TakeLast(10))})");
                Assert.NotNull(probe["result"]);
                recent.Clear();
            }
        }

        // Whatever the fuzzing did to the document and the settings, a client that sends them again gets exact text.
        await client.NotifyAsync("workspace/didChangeConfiguration", new
        {
            settings = new { codeassist = new { enable = true, modelPath = model, maxTokens = 64, candidates = 1, multiline = true, contextBudget = 1536 } },
        });
        await client.NotifyAsync("textDocument/didClose", new { textDocument = new { uri = new Uri(path).AbsoluteUri } });
        await client.OpenAsync(path, Program, version: 1000);
        var completion = await client.RequestAsync("textDocument/inlineCompletion", InlineParams(path, 6, 8));
        Assert.True(Script == (string?)completion["result"]?["items"]?[0]?["insertText"], $"seed {seed}: {completion.ToJsonString()}\n{Tail(client.Stderr)}");

        foreach (var id in owed)
            await WaitForResponsesAsync(client, id, 1);
        var errors = client.Responses.Where(r => r["error"] is not null).ToList();
        var unexpected = errors.Where(e => !ExpectedCodes.Contains((int)e["error"]!["code"]!)).Select(e => e.ToJsonString()).ToList();
        Assert.True(unexpected.Count == 0, $"seed {seed}: errors with codes a client error should not cause:\n{string.Join("\n", unexpected.Take(10))}");
        // Handler bugs in notifications have no answer to show them; the log's error level does.
        var logged = client.Stderr.Split('\n').Where(l => l.Contains(" error] ", StringComparison.Ordinal)).ToList();
        Assert.True(logged.Count == 0, $"seed {seed}: errors in the log:\n{string.Join("\n", logged.Take(10))}");
        Assert.Equal(0, await client.ShutdownAndExitAsync());
        await client.DrainAsync(LspTestClient.HangGuard);
        Assert.True(client.Violations.Count == 0, $"seed {seed}: stdout was not pure protocol:\n{string.Join("\n", client.Violations.Take(5))}");

        var codes = errors.GroupBy(e => (int)e["error"]!["code"]!).OrderBy(g => g.Key).Select(g => $"{g.Key}: {g.Count()}");
        output.WriteLine($"seed {seed}: {count} hostile messages ({bytes / 1024} KiB) + {count / 100} length desyncs; " +
            $"kinds {string.Join(", ", kinds.OrderBy(k => k.Key).Select(k => $"{k.Key} {k.Value}"))}; " +
            $"answers {client.Responses.Count}, errors by code {string.Join(", ", codes)}; {owed.Count} requests owed an answer got one");
    }

    [Fact]
    public async Task A_20_MB_message_is_read_and_a_message_over_the_limit_is_refused_with_its_id_without_being_kept()
    {
        await using var client = LspTestClient.Serve(_temp.ScriptedModel(Script));
        await client.InitializeAsync(_temp.Path);
        await client.WaitForStatusAsync("ready");
        var path = _temp.WriteFile("Program.cs", Program);
        await client.OpenAsync(path, Program);
        var before = client.ResidentKiB();

        // 20 MB of text in one didOpen: tracked, and too large to complete, so answered empty.
        var big = _temp.Combine("Big.cs");
        await client.OpenAsync(big, "// " + new string('x', 20 * 1024 * 1024) + "\n");
        var bigAnswer = await client.RequestAsync("textDocument/inlineCompletion", InlineParams(big, 0, 3));
        Assert.Empty(bigAnswer["result"]!["items"]!.AsArray());
        await client.NotifyAsync("textDocument/didClose", new { textDocument = new { uri = new Uri(big).AbsoluteUri } });

        // 80 MB is over the 64 MiB limit: the id at the start is answered, the rest is read past in chunks.
        var refused = client.Track("\"huge\"");
        var head = Encoding.UTF8.GetBytes("{\"jsonrpc\":\"2.0\",\"id\":\"huge\",\"method\":\"codeAssist/stats\",\"params\":{\"pad\":\"");
        var tail = "\"}}"u8.ToArray();
        var length = 80L * 1024 * 1024;
        var pad = new byte[1024 * 1024];
        Array.Fill(pad, (byte)'p');
        await client.SendRawAsync(head, header: $"Content-Length: {length}\r\n\r\n");
        for (var sent = (long)head.Length; sent < length - tail.Length; sent += pad.Length)
            await client.SendRawAsync(pad.AsSpan(0, (int)Math.Min(pad.Length, length - tail.Length - sent)).ToArray(), header: "");
        await client.SendRawAsync(tail, header: "");
        var error = await refused.WaitAsync(LspTestClient.HangGuard);
        Assert.Equal(-32600, (int)error["error"]!["code"]!);
        Assert.Contains("at most", (string?)error["error"]!["message"]);

        var completion = await client.RequestAsync("textDocument/inlineCompletion", InlineParams(path, 6, 8));
        Assert.Equal(Script, (string?)completion["result"]!["items"]![0]!["insertText"]);
        var after = client.ResidentKiB();
        output.WriteLine($"RSS before the big messages {before / 1024} MiB, after {after / 1024} MiB");
        Assert.Equal(0, await client.ShutdownAndExitAsync());
        await client.DrainAsync(LspTestClient.HangGuard);
        Assert.Empty(client.Violations);
    }

    /// <summary>Sends one case, then a probe; the case's answer (or its absence) shows up before the probe's.</summary>
    private async Task CheckAsync(LspTestClient client, Case @case, string probeMethod)
    {
        var nullErrorsBefore = NullIdErrors(client).Count;
        var answer = @case.Id is null ? null : client.Track(@case.Id);
        await client.SendRawAsync(@case.Frame, header: "");
        var probe = await client.RequestAsync(probeMethod, null, LspTestClient.HangGuard);
        Assert.True(probe["result"] is not null || (int?)probe["error"]?["code"] == -32002,
            $"{@case.Name}: the probe after it got {probe.ToJsonString()}\n{Tail(client.Stderr)}");
        if (answer is not null)
        {
            var response = await answer.WaitAsync(LspTestClient.HangGuard);
            Assert.True((int?)response["error"]?["code"] == @case.Code, $"{@case.Name}: expected {@case.Code}, got {response.ToJsonString()}");
            return;
        }
        var newErrors = NullIdErrors(client).Skip(nullErrorsBefore).ToList();
        var got = string.Join(", ", newErrors.Select(e => e.ToJsonString()));
        if (@case.Code is { } code)
        {
            Assert.True(newErrors.Count == @case.NullAnswers && newErrors.All(e => (int)e["error"]!["code"]! == code),
                $"{@case.Name}: expected {@case.NullAnswers} × {code} with id null, got [{got}]");
        }
        else
        {
            Assert.True(newErrors.Count == 0, $"{@case.Name}: expected no answer, got [{got}]");
        }
        output.WriteLine($"{@case.Name}: {(newErrors.Count == 0 ? "no answer" : newErrors[0]["error"]!.ToJsonString())}");
    }

    private static List<JsonObject> NullIdErrors(LspTestClient client) =>
        [.. client.Responses.Where(r => r["id"] is null && r["error"] is not null)];

    private static async Task<JsonObject> ProbeAsync(LspTestClient client, TimeSpan timeout, string when)
    {
        try
        {
            return await client.RequestAsync("codeAssist/stats", null, timeout);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"the server stopped answering {when}; exited: {client.Process.HasExited}\n{Tail(client.Stderr)}");
            throw;
        }
    }

    private static async Task<List<JsonObject>> WaitForResponsesAsync(LspTestClient client, string idJson, int count)
    {
        var deadline = DateTime.UtcNow + LspTestClient.HangGuard;
        while (true)
        {
            var matching = client.Responses.Where(r => (r["id"]?.ToJsonString() ?? "null") == idJson).ToList();
            if (matching.Count >= count)
                return matching;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"{matching.Count} of {count} answers to id {idJson}\n{Tail(client.Stderr)}");
            await Task.Delay(20);
        }
    }

    private static string Tail(string text) => text.Length > 4000 ? text[^4000..] : text;

    public void Dispose() => _temp.Dispose();
}
