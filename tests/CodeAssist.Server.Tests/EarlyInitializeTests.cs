using System.Text;
using System.Text.Json;
using CodeAssist.Server.Protocol;
using CodeAssist.Server.Transport;

namespace CodeAssist.Server.Tests;

/// <summary>
/// The first `initialize` is answered before StreamJsonRpc is built (#19, <see cref="EarlyInitialize"/>): its params are
/// read by hand, so they must bind as the serializer binds them, and the answer must be the one StreamJsonRpc gives.
/// </summary>
public sealed class EarlyInitializeTests
{
    /// <summary>How StreamJsonRpc's formatter binds params: the server's settings, by reflection.</summary>
    private static readonly JsonSerializerOptions Serializer = LspJson.Configure(new JsonSerializerOptions());

    /// <summary>Every property of <see cref="InitializeParams"/> set, with names the reader does not know beside them.</summary>
    private const string EveryProperty = """
        {"processId":12,"clientInfo":{"name":"Visual Studio Code","version":"1.96.2"},"rootUri":"file:///home/user/app",
        "rootPath":"/home/user/app","workspaceFolders":[{"uri":"file:///home/user/app","name":"app"}],
        "capabilities":{"window":{"workDoneProgress":true},"workspace":{"didChangeWatchedFiles":{"dynamicRegistration":true}}},
        "initializationOptions":{"maxTokens":64,"codeassist":{"logPrompts":false}},"trace":"off","locale":"en"}
        """;

    public static TheoryData<string> PlainParams => new()
    {
        EveryProperty,
        """{"processId":null,"rootUri":null,"capabilities":{}}""",
        """{"ProcessId":3,"ROOTURI":"file:///a","clientInfo":{"NAME":"nvim"},"workspaceFolders":null,"rootPath":null}""",
        """{"rootUri":"file:///first","rootUri":"relative/path","workspaceFolders":[],"clientInfo":{"name":null,"version":null}}""",
        """{"workspaceFolders":[{"uri":"file:///x%20y/z","name":"x y"},{"name":"no uri"},{"uri":null}],"capabilities":[1,"two"]}""",
        "{}",
    };

    [Theory]
    [MemberData(nameof(PlainParams))]
    public void Plain_params_are_read_as_the_serializer_binds_them(string json)
    {
        using var document = JsonDocument.Parse(json);

        var early = EarlyInitialize.ReadParams(document.RootElement);

        Assert.NotNull(early);
        Assert.Equal(JsonSerializer.Serialize(document.RootElement.Deserialize<InitializeParams>(Serializer), Serializer),
            JsonSerializer.Serialize(early, Serializer));
    }

    [Fact]
    public void Every_property_of_InitializeParams_is_read()
    {
        using var document = JsonDocument.Parse(EveryProperty);
        var early = EarlyInitialize.ReadParams(document.RootElement)!;

        Assert.All(typeof(InitializeParams).GetProperties(), property =>
        {
            // A new property: add it to EveryProperty above and to EarlyInitialize.ReadParams.
            Assert.True(document.RootElement.TryGetProperty(JsonNamingPolicy.CamelCase.ConvertName(property.Name), out _), property.Name);
            Assert.NotNull(property.GetValue(early));
        });
    }

    [Theory]
    [InlineData("""{"processId":"12"}""")]
    [InlineData("""{"processId":1.5}""")]
    [InlineData("""{"processId":4294967296}""")]
    [InlineData("""{"rootUri":5}""")]
    [InlineData("""{"rootPath":["/a"]}""")]
    [InlineData("""{"clientInfo":"code"}""")]
    [InlineData("""{"clientInfo":{"name":7}}""")]
    [InlineData("""{"workspaceFolders":{}}""")]
    [InlineData("""{"workspaceFolders":["file:///a"]}""")]
    [InlineData("""{"workspaceFolders":[{"uri":3,"name":"a"}]}""")]
    [InlineData("""{"capabilities":null}""")]
    [InlineData("""{"initializationOptions":null}""")]
    [InlineData("""[]""")]
    public void Params_the_reader_is_not_sure_of_are_left_to_StreamJsonRpc(string json)
    {
        using var document = JsonDocument.Parse(json);

        Assert.Null(EarlyInitialize.ReadParams(document.RootElement));
    }

    [Fact]
    public async Task The_first_initialize_gets_the_answer_StreamJsonRpc_gives_a_later_one()
    {
        await using var early = InProcessServer.Serve(modelPath: null);
        await using var late = InProcessServer.Serve(modelPath: null);
        // Any message first leaves initialize to StreamJsonRpc: here a notification, dropped before initialize.
        await late.NotifyAsync("$/setTrace", new { value = "off" });

        var first = await early.RequestAsync("initialize", Params());
        var second = await late.RequestAsync("initialize", Params());

        Assert.NotNull(first["result"]);
        Assert.Equal(second["result"]!.ToJsonString(), first["result"]!.ToJsonString());
        Assert.Equal(0, await early.ShutdownAndExitAsync());
        Assert.Equal(0, await late.ShutdownAndExitAsync());
    }

    [Fact]
    public async Task Messages_sent_with_initialize_in_one_write_are_each_answered_in_order()
    {
        await using var client = InProcessServer.Serve(modelPath: null);
        var initialize = client.Track("\"first\"");
        var stats = client.Track("2");
        var shutdown = client.Track("3");

        await client.SendRawAsync(
            [
                .. Framed(new { jsonrpc = "2.0", id = "first", method = "initialize", @params = Params() }),
                .. Framed(new { jsonrpc = "2.0", method = "initialized", @params = new { } }),
                .. Framed(new { jsonrpc = "2.0", id = 2, method = "codeAssist/stats" }),
                .. Framed(new { jsonrpc = "2.0", id = 3, method = "shutdown" }),
            ],
            header: "");

        Assert.NotNull((await initialize.WaitAsync(LspTestClient.HangGuard))["result"]);
        Assert.NotNull((await stats.WaitAsync(LspTestClient.HangGuard))["result"]);
        Assert.True((await shutdown.WaitAsync(LspTestClient.HangGuard)).ContainsKey("result"));
        await client.NotifyAsync("exit", null);
        Assert.Equal(0, await client.WaitForExitAsync(LspTestClient.HangGuard));
    }

    [Fact]
    public async Task The_log_written_before_the_connection_reaches_the_client_after_the_answer()
    {
        await using var client = InProcessServer.Serve(modelPath: null);

        await client.RequestAsync("initialize", Params());

        var line = await client.WaitForNotificationAsync("window/logMessage",
            n => ((string?)n["params"]!["message"])!.StartsWith("initialize from early-initialize-tests", StringComparison.Ordinal));
        Assert.Equal(3, (int)line["params"]!["type"]!);
        Assert.Equal(0, await client.ShutdownAndExitAsync());
    }

    private static object Params() => new
    {
        processId = Environment.ProcessId,
        clientInfo = new { name = "early-initialize-tests" },
        rootUri = (string?)null,
        capabilities = new { window = new { workDoneProgress = true } },
    };

    private static byte[] Framed(object message)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(message);
        return [.. Encoding.ASCII.GetBytes($"Content-Length: {body.Length}\r\n\r\n"), .. body];
    }
}
