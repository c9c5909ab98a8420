using System.Text.Json;
using System.Text.Json.Serialization;
using CodeAssist.Engine;
using CodeAssist.Server.Handlers.CodeActions;
using CodeAssist.Server.Handlers.CodeAssist;
using CodeAssist.Server.Handlers.Completion;
using CodeAssist.Server.Handlers.DocumentSync;
using CodeAssist.Server.Handlers.Lifecycle;
using CodeAssist.Server.Handlers.Workspace;
using CodeAssist.Server.Transport;
using Microsoft.VisualStudio.Threading;
using StreamJsonRpc;

namespace CodeAssist.Server;

/// <summary>
/// The LSP server over a pair of streams (stdin/stdout when serving). One handler object per LSP method; notifications
/// start in arrival order on a non-concurrent context, so didChange is applied before a request that follows it, and
/// requests move their work to the thread pool so they run concurrently on their own snapshot. The framing
/// (<see cref="LspMessageHandler"/>) answers malformed input instead of ending the connection.
/// </summary>
public sealed class LanguageServerHost : IDisposable
{
    private readonly JsonRpc _rpc;

    public LanguageServerHost(Stream input, Stream output, ServerLog log, AssistSettings settings, bool trusted = true)
    {
        State = new ServerState(log, settings, trusted: trusted);
        var formatter = new SystemTextJsonFormatter();
        formatter.JsonSerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        formatter.JsonSerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        formatter.JsonSerializerOptions.PropertyNameCaseInsensitive = true;
        _rpc = new LanguageServerRpc(new LspMessageHandler(output, input, formatter, log), log)
        {
            SynchronizationContext = new NonConcurrentSynchronizationContext(sticky: false),
            ExceptionStrategy = ExceptionProcessing.CommonErrorData,
        };
        var options = new JsonRpcTargetOptions { DisposeOnDisconnect = false };
        object[] handlers =
        [
            new InitializeHandler(State), new InitializedHandler(State), new ShutdownHandler(State), new ExitHandler(State),
            new DidOpenHandler(State), new DidChangeHandler(State), new DidCloseHandler(State),
            new InlineCompletionHandler(State), new CompletionHandler(State),
            new DidChangeConfigurationHandler(State), new DidChangeWatchedFilesHandler(State), new ExecuteCommandHandler(State),
            new DoctorHandler(State), new StatsHandler(State), new ContextHandler(State),
            new CodeActionHandler(State), new CodeActionResolveHandler(State),
        ];
        foreach (var handler in handlers)
            _rpc.AddLocalRpcTarget(handler, options);
        _rpc.Disconnected += (_, e) =>
        {
            if (e.Reason != DisconnectedReason.RemotePartyTerminated && e.Reason != DisconnectedReason.LocallyDisposed)
                log.Error($"the connection to the client ended: {e.Description}{(e.Exception is null ? "" : $" ({e.Exception.GetType().Name}: {e.Exception.Message})")}");
        };
        State.Client = _rpc;
        log.AttachClient(_rpc);
    }

    public ServerState State { get; }

    /// <summary>Serves until the client says exit (its code) or goes away (1 unless it said shutdown first).</summary>
    public async Task<int> RunAsync()
    {
        _rpc.StartListening();
        var finished = await Task.WhenAny(State.Exit.Task, _rpc.Completion.ContinueWith(_ => State.ShutdownRequested ? 0 : 1, TaskScheduler.Default)).ConfigureAwait(false);
        var code = await finished.ConfigureAwait(false);
        if (finished != State.Exit.Task)
            State.Log.Info("the client went away; exiting");
        else if (code != 0)
            State.Log.Warn("exit came without shutdown first; exiting with code 1, as the specification says");
        return code;
    }

    public void Dispose()
    {
        _rpc.Dispose();
        State.Dispose();
    }
}
