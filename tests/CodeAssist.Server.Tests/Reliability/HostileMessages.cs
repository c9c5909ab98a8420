using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CodeAssist.Server.Tests.Reliability;

/// <summary>One thing a fuzzing client writes: raw bytes, and the id of the answer it expects (null: no answer is owed).</summary>
public sealed record HostileMessage(string Kind, byte[] Bytes, string? AnsweredId = null);

/// <summary>
/// Seeded generator of malformed and hostile LSP traffic: broken headers, wrong lengths, bodies that are not JSON
/// or not UTF-8, JSON that is not JSON-RPC, wrong types in params, unknown methods, duplicate and odd ids, stray
/// responses and cancellations, positions out of range. The same seed gives the same bytes, so a failure reproduces.
/// </summary>
public sealed class HostileMessages(int seed, string documentUri)
{
    /// <summary>Every method the server knows and some it does not; exit is left out (it ends the process by design).</summary>
    public static readonly string[] Methods =
    [
        "initialize", "initialized", "shutdown", "textDocument/didOpen", "textDocument/didChange", "textDocument/didClose",
        "textDocument/inlineCompletion", "textDocument/completion", "textDocument/codeAction", "codeAction/resolve",
        "workspace/executeCommand", "workspace/didChangeConfiguration", "workspace/didChangeWatchedFiles",
        "codeAssist/doctor", "codeAssist/stats", "codeAssist/context", "codeAssist/nextEdit", "$/cancelRequest", "$/setTrace", "$/progress",
        "textDocument/hover", "foo", "", "rpc.on", "textDocument/inlineCompletion/", "TEXTDOCUMENT/INLINECOMPLETION",
    ];

    private readonly Random _random = new(seed);
    private long _nextId = 1;

    public int Seed => seed;

    /// <summary>Ids in the order they were used, so duplicates and cancellations can point at real ones.</summary>
    private readonly List<JsonNode> _usedIds = [];

    public HostileMessage Next()
    {
        return _random.Next(17) switch
        {
            0 => RandomBody(),
            1 => MutatedJson(),
            2 => BrokenHeader(),
            3 => NotUtf8(),
            4 => NotJsonRpc(),
            5 or 6 => WrongParams(),
            7 => OddIds(),
            8 => StrayResponse(),
            9 => Cancellation(),
            10 or 11 => DocumentTraffic(),
            12 => ShortLength(),
            13 => Batch(),
            14 => Deep(),
            15 => DuplicateId(),
            _ => UnknownMethod(),
        };
    }

    /// <summary>A request whose Content-Length claims more bytes than it has, so that the next message completes it.</summary>
    public HostileMessage LongLength(out int extra)
    {
        extra = _random.Next(1, 60);
        var body = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { jsonrpc = "2.0", method = "codeAssist/stats" }));
        return new("long length", Frame(body, $"Content-Length: {body.Length + extra}\r\n\r\n"));
    }

    private HostileMessage RandomBody()
    {
        var body = new byte[_random.Next(1, 400)];
        _random.NextBytes(body);
        return new("random body", Frame(body));
    }

    private HostileMessage MutatedJson()
    {
        var body = Encoding.UTF8.GetBytes(Envelope(NextId(), Pick(Methods), RandomParams()).ToJsonString()).ToList();
        for (var i = _random.Next(1, 4); i > 0 && body.Count > 1; i--)
        {
            var at = _random.Next(body.Count);
            switch (_random.Next(3))
            {
                case 0:
                    body.RemoveAt(at);
                    break;
                case 1:
                    const string Insertions = "{}[]\",:\\0x ";
                    body.Insert(at, (byte)Insertions[_random.Next(Insertions.Length)]);
                    break;
                default:
                    body[at] = (byte)_random.Next(256);
                    break;
            }
        }
        // A mutation may leave valid JSON-RPC; the server may then answer it, which is fine.
        return new("mutated json", Frame([.. body]));
    }

    private HostileMessage BrokenHeader()
    {
        var body = Encoding.UTF8.GetBytes(Envelope(null, "codeAssist/stats", null).ToJsonString());
        string[] headers =
        [
            $"Content-Length: -{body.Length}\r\n\r\n",
            $"Content-Length: {body.Length}.0\r\n\r\n",
            $"Content-Lenght: {body.Length}\r\n\r\n",
            $"Content-Length {body.Length}\r\n\r\n",
            $"Content-Length: {body.Length}\n\n",
            $"Content-Type: application/json\r\n\r\n",
            $"Content-Length: 0x{body.Length:X}\r\n\r\n",
            $"Content-Length: {body.Length}\r\nContent-Length: {body.Length + 1}\r\n\r\n",
            $"Contént-Length: {body.Length}\r\n\r\n",
            $"\u0001\u0002garbage\r\n\r\n",
            "",
        ];
        return new("broken header", Frame(body, Pick(headers)));
    }

    private HostileMessage NotUtf8()
    {
        var text = Envelope(NextId(), "textDocument/inlineCompletion",
            new JsonObject { ["textDocument"] = new JsonObject { ["uri"] = "file:///X" } }).ToJsonString();
        var bytes = Encoding.UTF8.GetBytes(text).ToList();
        var at = text.IndexOf('X', StringComparison.Ordinal);
        bytes.InsertRange(at, Pick<byte[]>([[0xFF], [0xC3], [0xED, 0xA0, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80], [0x80, 0x80]]));
        return new("not utf-8", Frame([.. bytes]));
    }

    private HostileMessage NotJsonRpc()
    {
        string[] bodies =
        [
            "42", "\"text\"", "null", "true", "{}", "{\"jsonrpc\":\"2.0\"}", "{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"codeAssist/stats\"}",
            "{\"id\":1,\"method\":\"codeAssist/stats\"}", "{\"jsonrpc\":2,\"id\":1,\"method\":\"codeAssist/stats\"}",
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":5}", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":null}",
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"codeAssist/stats\",\"params\":\"x\"}",
            "{\"jsonrpc\":\"2.0\",\"method\":\"codeAssist/stats\",\"params\":7}",
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":1,\"error\":{\"code\":1,\"message\":\"m\"}}",
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":5}", "{\"jsonrpc\":\"2.0\",\"result\":1}",
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"codeAssist/stats\"} {}", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"codeAssist/stats\"",
            " ", "{\"a\":\"\\uD800\"}", "{\"jsonrpc\":\"2.0\",\"method\":\"\\uDC00\"}",
        ];
        return new("not json-rpc", Frame(Encoding.UTF8.GetBytes(Pick(bodies))));
    }

    private HostileMessage WrongParams()
    {
        var id = NextId();
        return new("wrong params", Frame(Envelope(id, Pick(Methods), RandomParams())), id.ToJsonString());
    }

    private HostileMessage OddIds()
    {
        JsonNode?[] ids =
        [
            null, JsonValue.Create(1.5), JsonValue.Create(-1), JsonValue.Create(long.MaxValue), JsonValue.Create(""), new JsonArray(), new JsonObject(),
            JsonValue.Create(true), JsonValue.Create("💥"),
        ];
        var id = Pick(ids);
        var message = Envelope(null, "codeAssist/stats", null);
        message["id"] = id;
        return new("odd id", Frame(message));
    }

    private HostileMessage StrayResponse()
    {
        var message = new JsonObject { ["jsonrpc"] = "2.0", ["id"] = _random.Next(3) == 0 ? "s" + _random.Next(100) : _random.Next(-5, 100000) };
        if (_random.Next(2) == 0)
            message["result"] = RandomValue(2);
        else
            message["error"] = new JsonObject { ["code"] = _random.Next(-33000, 0), ["message"] = "stray" };
        return new("stray response", Frame(message));
    }

    private HostileMessage Cancellation()
    {
        var id = _usedIds.Count > 0 && _random.Next(3) > 0 ? _usedIds[_random.Next(_usedIds.Count)].DeepClone() : RandomValue(1);
        return new("cancel", Frame(Envelope(null, "$/cancelRequest", _random.Next(4) == 0 ? RandomParams() : new JsonObject { ["id"] = id })));
    }

    /// <summary>Edits, closes and completions on the open document, at positions in and out of range.</summary>
    private HostileMessage DocumentTraffic()
    {
        var id = NextId();
        JsonNode Position() =>
            new JsonObject { ["line"] = Pick([0, 3, 6, 7, 8, 20, -1, 100000, int.MaxValue]), ["character"] = Pick([0, 1, 8, 200, -3, int.MaxValue]) };
        JsonNode Range() => new JsonObject { ["start"] = Position(), ["end"] = Position() };
        var document = new JsonObject { ["uri"] = _random.Next(4) == 0 ? "file:///nowhere/Missing.cs" : documentUri };
        switch (_random.Next(4))
        {
            case 0:
                document["version"] = Pick([2, 0, -1, int.MaxValue]);
                var change = new JsonObject { ["text"] = Pick(["x", "", "\n", "\0", "😀", new string('y', 5000)]) };
                if (_random.Next(3) > 0)
                    change["range"] = Range();
                return new("didChange", Frame(Envelope(null, "textDocument/didChange",
                    new JsonObject { ["textDocument"] = document, ["contentChanges"] = new JsonArray(change) })));
            case 1:
                return new("completion", Frame(Envelope(id, "textDocument/completion",
                    new JsonObject { ["textDocument"] = document, ["position"] = Position() })), id.ToJsonString());
            case 2:
                return new("context", Frame(Envelope(id, "codeAssist/context",
                    new JsonObject { ["textDocument"] = document, ["position"] = Position() })), id.ToJsonString());
            default:
                var context = new JsonObject { ["triggerKind"] = Pick([1, 2, 0, 99]) };
                if (_random.Next(3) == 0)
                    context["selectedCompletionInfo"] = new JsonObject { ["range"] = Range(), ["text"] = "Wri" };
                return new("inlineCompletion", Frame(Envelope(id, "textDocument/inlineCompletion",
                    new JsonObject { ["textDocument"] = document, ["position"] = Position(), ["context"] = context })), id.ToJsonString());
        }
    }

    private HostileMessage ShortLength()
    {
        var body = Encoding.UTF8.GetBytes(Envelope(NextId(), "codeAssist/stats", null).ToJsonString());
        var declared = _random.Next(0, body.Length - 1);
        return new("short length", Frame(body, $"Content-Length: {declared}\r\n\r\n"));
    }

    private HostileMessage Batch()
    {
        var batch = new JsonArray(Envelope(NextId(), "codeAssist/stats", null), Envelope(NextId(), "codeAssist/stats", null));
        return new("batch", Frame(batch));
    }

    private HostileMessage Deep()
    {
        var depth = Pick([70, 1000, 10000]);
        var body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"codeAssist/stats\",\"params\":" + new string('[', depth) + new string(']', depth) + "}";
        return new("deeply nested", Frame(Encoding.ASCII.GetBytes(body)));
    }

    /// <summary>An id used moments ago, possibly still in progress.</summary>
    private HostileMessage DuplicateId()
    {
        var id = _usedIds.Count > 0 ? _usedIds[^1].DeepClone() : NextId();
        return new("duplicate id", Frame(Envelope(id, Pick(["codeAssist/doctor", "codeAssist/stats", "textDocument/inlineCompletion"]), RandomParams())));
    }

    private HostileMessage UnknownMethod()
    {
        var id = NextId();
        var method = Pick(["textDocument/hover", "foo/bar", "$/unknown", "codeAssist/nothing", new string('m', 3000), "\u0000", "initialize\n"]);
        return new("unknown method", Frame(Envelope(id, method, RandomParams())), id.ToJsonString());
    }

    private JsonNode NextId()
    {
        JsonNode id = _random.Next(5) == 0 ? JsonValue.Create($"fuzz-{seed}-{_nextId++}") : JsonValue.Create(_nextId++);
        _usedIds.Add(id.DeepClone());
        return id;
    }

    private static JsonObject Envelope(JsonNode? id, string method, JsonNode? parameters)
    {
        var message = new JsonObject { ["jsonrpc"] = "2.0" };
        if (id is not null)
            message["id"] = id.DeepClone();
        message["method"] = method;
        if (parameters is not null)
            message["params"] = parameters;
        return message;
    }

    /// <summary>Params shaped like LSP's (textDocument, position, context, settings, command) with random values in each place.</summary>
    private JsonNode? RandomParams()
    {
        return _random.Next(6) switch
        {
            0 => null,
            1 => RandomValue(3),
            2 => new JsonArray(RandomValue(2), RandomValue(2)),
            _ => new JsonObject
            {
                ["textDocument"] = _random.Next(3) == 0 ? RandomValue(2) : new JsonObject
                {
                    ["uri"] = _random.Next(2) == 0 ? documentUri : RandomValue(1),
                    ["version"] = RandomValue(1),
                    ["text"] = RandomValue(1),
                    ["languageId"] = RandomValue(1),
                },
                ["position"] = _random.Next(3) == 0 ? RandomValue(2) : new JsonObject { ["line"] = RandomValue(0), ["character"] = RandomValue(0) },
                ["context"] = RandomValue(2),
                ["settings"] = _random.Next(2) == 0 ? RandomValue(2) : new JsonObject
                {
                    ["codeassist"] = new JsonObject
                    {
                        ["maxTokens"] = RandomValue(0),
                        ["modelPath"] = Pick<JsonNode?>(["relative/model", "https://example.com/model", "~", 5, null]),
                        ["candidates"] = RandomValue(0),
                    },
                },
                ["command"] = Pick<JsonNode?>(
                    ["codeassist.didAcceptCompletion", "codeassist.rewrite", "codeassist.didPartiallyAcceptCompletion", "rm -rf /", 7, null]),
                ["arguments"] = RandomValue(2),
                ["contentChanges"] = RandomValue(2),
                ["changes"] = RandomValue(2),
                ["id"] = RandomValue(0),
                ["range"] = RandomValue(2),
                ["capabilities"] = RandomValue(2),
            },
        };
    }

    private JsonNode? RandomValue(int depth)
    {
        var choice = _random.Next(depth > 0 ? 12 : 9);
        return choice switch
        {
            0 => null,
            1 => JsonValue.Create(_random.Next(2) == 0),
            2 => JsonValue.Create(Pick([0, -1, 1, int.MaxValue, int.MinValue, 7])),
            3 => JsonValue.Create(Pick([1e300, -0.5, 3.25])),
            4 => JsonValue.Create(
                Pick(["", "x", "file:///tmp/a.cs", "not a uri", "\0\u0001", "😀\u200B", "..\\..\\etc\\passwd", "C:\\x", new string('z', 10000)])),
            5 => JsonValue.Create((long)_random.Next() * 1000000L),
            6 => JsonValue.Create("%00%ff"),
            7 => JsonValue.Create(documentUri),
            8 => JsonValue.Create(decimal.MaxValue),
            9 or 10 => new JsonArray(RandomValue(depth - 1), RandomValue(depth - 1)),
            _ => new JsonObject { ["a"] = RandomValue(depth - 1), ["uri"] = RandomValue(depth - 1), ["line"] = RandomValue(0) },
        };
    }

    private T Pick<T>(T[] items) => items[_random.Next(items.Length)];

    private static byte[] Frame(JsonNode message) => Frame(Encoding.UTF8.GetBytes(message.ToJsonString()));

    public static byte[] Frame(byte[] body, string? header = null) =>
        [.. Encoding.UTF8.GetBytes(header ?? $"Content-Length: {body.Length}\r\n\r\n"), .. body];
}
