using System.Text.Json;
using CodeAssist.Engine;
using CodeAssist.Engine.Hosting;
using CodeAssist.Server.Handlers;
using CodeAssist.Server.Protocol;
using CodeAssist.Server.Transport;
using Microsoft.VisualStudio.Threading;
using Nerdbank.Streams;
using StreamJsonRpc;

namespace CodeAssist.Server.Tests.Handlers;

/// <summary>
/// The dispatch table decides threading and the preamble for every handler of a kind: these tests pin that with
/// handlers made for the purpose, over in-memory streams, so no real handler has to be slow to show it.
/// </summary>
public sealed class DispatchTableTests : IAsyncLifetime
{
    private static readonly TimeSpan Guard = LspTestClient.HangGuard;

    private readonly EngineHost _engine = new(new AssistSettings(), new ServerLog(LogLevel.Error));
    private ServerState _state = null!;
    private JsonRpc _server = null!;
    private JsonRpc _client = null!;

    private readonly TaskCompletionSource _noted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _value;

    public Task InitializeAsync()
    {
        var (serverStream, clientStream) = FullDuplexStream.CreatePair();
        var log = new ServerLog(LogLevel.Error);
        var formatter = new SystemTextJsonFormatter();
        formatter.JsonSerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        formatter.JsonSerializerOptions.PropertyNameCaseInsensitive = true;
        _server = new LanguageServerRpc(new LspMessageHandler(serverStream, serverStream, formatter, log), log)
        {
            SynchronizationContext = new NonConcurrentSynchronizationContext(sticky: false),
        };
        _state = new ServerState(_engine, log);
        var table = new DispatchTable(_state);
        table.SerialNotification("test/set", new SetValue(this));
        table.SerialRequest("test/get", new GetValue(this));
        table.ConcurrentRequest("test/waitForNote", new WaitForNote(this));
        table.SerialRequest("test/early", new GetValue(this), beforeInitialize: true);
        table.SerialRequest("test/needsParams", new NeedsParams());
        table.AddTo(_server);
        _server.StartListening();
        var clientFormatter = new SystemTextJsonFormatter();
        clientFormatter.JsonSerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        _client = new JsonRpc(new HeaderDelimitedMessageHandler(clientStream, clientStream, clientFormatter));
        _client.StartListening();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_concurrent_request_works_off_the_dispatch_order_so_a_later_notification_is_not_held_up()
    {
        _state.MarkInitialized([], _state.StartSettings, untrusted: false);
        // The request's work waits for the notification sent after it: if the work held the dispatch order, neither
        // would ever finish.
        var request = _client.InvokeWithParameterObjectAsync<int>("test/waitForNote", new TestParams(0));
        await _client.NotifyWithParameterObjectAsync("test/set", new TestParams(42));
        Assert.Equal(42, await request.WaitAsync(Guard));
    }

    [Fact]
    public async Task A_concurrent_request_snapshots_in_dispatch_order()
    {
        _state.MarkInitialized([], _state.StartSettings, untrusted: false);
        await _client.NotifyWithParameterObjectAsync("test/set", new TestParams(7));
        var request = _client.InvokeWithParameterObjectAsync<int>("test/waitForNote", new TestParams(0));
        await _client.NotifyWithParameterObjectAsync("test/set", new TestParams(8));
        // The snapshot saw 7 (sent before), the work read 8 (sent after): the answer is their sum.
        Assert.Equal(15, await request.WaitAsync(Guard));
    }

    [Fact]
    public async Task Before_initialize_only_the_methods_registered_for_it_are_served()
    {
        var refused = await Assert.ThrowsAsync<RemoteInvocationException>(
            () => _client.InvokeWithParameterObjectAsync<int>("test/get", new TestParams(0)).WaitAsync(Guard));
        Assert.Equal(LspErrorCodes.ServerNotInitialized, refused.ErrorCode);
        Assert.Equal(0, await _client.InvokeWithParameterObjectAsync<int>("test/early", new TestParams(0)).WaitAsync(Guard));
    }

    [Fact]
    public async Task The_engines_bad_request_is_InvalidParams()
    {
        _state.MarkInitialized([], _state.StartSettings, untrusted: false);
        // StreamJsonRpc's client surfaces InvalidParams (-32602) as RemoteMethodNotFoundException.
        var bad = await Assert.ThrowsAsync<RemoteMethodNotFoundException>(
            () => _client.InvokeWithParameterObjectAsync<int>("test/needsParams", new TestParams(-1)).WaitAsync(Guard));
        Assert.Equal(LspErrorCodes.InvalidParams, (int)bad.ErrorCode);
        Assert.Equal("value must not be negative", bad.Message);
    }

    public Task DisposeAsync()
    {
        _client.Dispose();
        _server.Dispose();
        _state.Dispose();
        _engine.Dispose();
        return Task.CompletedTask;
    }

    public sealed record TestParams(int Value);

    private sealed class SetValue(DispatchTableTests test) : ISerialNotificationHandler<TestParams>
    {
        public void Handle(TestParams parameters)
        {
            test._value = parameters.Value;
            if (parameters.Value != 7)
                test._noted.TrySetResult();
        }
    }

    private sealed class GetValue(DispatchTableTests test) : ISerialRequestHandler<TestParams, int>
    {
        public int Handle(TestParams parameters) => test._value;
    }

    private sealed class WaitForNote(DispatchTableTests test) : IConcurrentRequestHandler<TestParams, int, int>
    {
        public int Snapshot(TestParams parameters) => test._value;

        public async Task<int> HandleAsync(int snapshot, CancellationToken cancellationToken)
        {
            await test._noted.Task.ConfigureAwait(false);
            return snapshot + test._value;
        }
    }

    private sealed class NeedsParams : ISerialRequestHandler<TestParams, int>
    {
        public int Handle(TestParams parameters) => parameters.Value < 0 ? throw new BadRequestException("value must not be negative") : parameters.Value;
    }
}
