using CodeAssist.Engine;
using CodeAssist.Engine.Hosting;
using CodeAssist.Server.Handlers;
using CodeAssist.Server.Handlers.CodeActions;
using CodeAssist.Server.Handlers.CodeAssist;
using CodeAssist.Server.Handlers.Completion;
using CodeAssist.Server.Handlers.DocumentSync;
using CodeAssist.Server.Handlers.Lifecycle;
using CodeAssist.Server.Handlers.Workspace;
using CodeAssist.Server.Protocol;
using CodeAssist.Server.Transport;
using Microsoft.VisualStudio.Threading;
using StreamJsonRpc;

namespace CodeAssist.Server;

/// <summary>
/// The LSP server over a pair of streams (stdin/stdout when serving), driving one <see cref="EngineHost"/>. The
/// constructor's dispatch table lists every LSP method with its handler, and the kind it is registered as decides its
/// threading (see Handlers/HandlerKinds.cs): serial messages run one at a time in arrival order, so didChange is
/// applied before a request that follows it; concurrent requests take their snapshot in that order and then work on
/// the thread pool. The framing (<see cref="LspMessageHandler"/>) answers malformed input instead of ending the
/// connection. StreamJsonRpc is built only once the first `initialize` has been answered (<see cref="EarlyInitialize"/>).
/// </summary>
public sealed class LanguageServerHost : IDisposable
{
    private readonly Stream _input;
    private readonly Stream _output;
    private readonly ServerLog _log;
    private readonly bool _ownsEngine;
    private readonly DispatchTable _table;
    private readonly SerialRequestTarget<InitializeParams, InitializeResult> _initialize;

    /// <summary>Completes when the answer to `initialize` has been written (or its write failed): the engine is built from then on.</summary>
    private readonly TaskCompletionSource _initializeAnswered = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private JsonRpc? _rpc;
    private volatile bool _disposed;

    /// <summary>
    /// A server with its own engine, built from <paramref name="settings"/> once `initialize` has been answered (what
    /// `codeassist serve` runs; see <see cref="ServerState"/>).
    /// </summary>
    public LanguageServerHost(Stream input, Stream output, ServerLog log, AssistSettings settings, EngineOptions? options = null)
        : this(input, output, log, new ServerState(log, settings, s => new EngineHost(s, log, options)), ownsEngine: true)
    {
    }

    /// <summary>
    /// Test seam: a server whose engine <paramref name="buildEngine"/> builds, so a test can hold the build back and send
    /// messages before the engine exists.
    /// </summary>
    internal LanguageServerHost(Stream input, Stream output, ServerLog log, AssistSettings settings, Func<AssistSettings, EngineHost> buildEngine)
        : this(input, output, log, new ServerState(log, settings, buildEngine), ownsEngine: true)
    {
    }

    /// <summary>A server over an engine the caller owns (in-process tests and the bench).</summary>
    public LanguageServerHost(Stream input, Stream output, ServerLog log, EngineHost engine)
        : this(input, output, log, new ServerState(engine, log), ownsEngine: false)
    {
    }

    private LanguageServerHost(Stream input, Stream output, ServerLog log, ServerState state, bool ownsEngine)
    {
        State = state;
        _input = input;
        _output = output;
        _log = log;
        _ownsEngine = ownsEngine;
        State.BuildEngineOnceAnswered(_initializeAnswered.Task);

        // The dispatch table. A new method: a handler class in Handlers/<Area>/, implementing the kind that fits, and
        // one line here.
        var table = _table = new DispatchTable(State);
        _initialize = table.SerialRequest("initialize", new InitializeHandler(State), beforeInitialize: true);
        table.SerialNotification("initialized", new InitializedHandler(State));
        table.SerialRequest("shutdown", new ShutdownHandler(State));
        table.SerialNotification("exit", new ExitHandler(State), beforeInitialize: true);

        table.SerialNotification("textDocument/didOpen", new DidOpenHandler(State));
        table.SerialNotification("textDocument/didChange", new DidChangeHandler(State));
        table.SerialNotification("textDocument/didClose", new DidCloseHandler(State));
        table.SerialNotification("workspace/didChangeConfiguration", new DidChangeConfigurationHandler(State));
        table.SerialNotification("workspace/didChangeWatchedFiles", new DidChangeWatchedFilesHandler(State));

        table.ConcurrentRequest("textDocument/inlineCompletion", new InlineCompletionHandler(State));
        table.ConcurrentRequest("textDocument/completion", new CompletionHandler(State));
        table.ConcurrentRequest("textDocument/codeAction", new CodeActionHandler(State));
        table.ConcurrentRequest("codeAction/resolve", new CodeActionResolveHandler(State));
        table.ConcurrentRequest("workspace/executeCommand", new ExecuteCommandHandler(State));

        table.ConcurrentRequest(CodeAssistMethods.Doctor, new DoctorHandler(State));
        table.SerialRequest(CodeAssistMethods.Stats, new StatsHandler(State));
        table.ConcurrentRequest(CodeAssistMethods.Context, new ContextHandler(State));
        table.ConcurrentRequest(CodeAssistMethods.NextEdit, new NextEditHandler(State));
    }

    public ServerState State { get; }

    /// <summary>Serves until the client says exit (its code) or goes away (1 unless it said shutdown first).</summary>
    public async Task<int> RunAsync()
    {
        // The first `initialize` is answered before StreamJsonRpc exists; anything else first is StreamJsonRpc's.
        var (answered, rest) = await EarlyInitialize.TryAnswerAsync(
            _input, _output, inputIsOutput: ReferenceEquals(_input, _output), p => _initialize.Invoke(p), _log).ConfigureAwait(false);
        if (answered)
            _initializeAnswered.TrySetResult();
        if (_disposed)
            return 1;
        var rpc = _rpc = Connect(rest);
        rpc.StartListening();
        // The lines logged so far (the start, initialize's) go to the client now.
        _log.AttachClient(rpc);
        var finished = await Task.WhenAny(
            State.Exit.Task, rpc.Completion.ContinueWith(_ => State.ShutdownRequested ? 0 : 1, TaskScheduler.Default)).ConfigureAwait(false);
        var code = await finished.ConfigureAwait(false);
        if (finished != State.Exit.Task)
            State.Log.Info("the client went away; exiting");
        else if (code != 0)
            State.Log.Warn("exit came without shutdown first; exiting with code 1, as the specification says");
        return code;
    }

    /// <summary>StreamJsonRpc over the rest of the connection, with the dispatch table registered and the state attached to it.</summary>
    private JsonRpc Connect(Stream input)
    {
        var formatter = new SystemTextJsonFormatter();
        LspJson.Configure(formatter.JsonSerializerOptions);
        var transport = new LspMessageHandler(_output, input, formatter, _log);
        _ = transport.FirstResultWritten.ContinueWith(_ => _initializeAnswered.TrySetResult(), TaskScheduler.Default);
        var rpc = new LanguageServerRpc(transport, _log)
        {
            SynchronizationContext = new NonConcurrentSynchronizationContext(sticky: false),
            ExceptionStrategy = ExceptionProcessing.CommonErrorData,
        };
        _table.AddTo(rpc);
        rpc.Disconnected += (_, e) =>
        {
            if (e.Reason != DisconnectedReason.RemotePartyTerminated && e.Reason != DisconnectedReason.LocallyDisposed)
            {
                var cause = e.Exception is null ? "" : $" ({e.Exception.GetType().Name}: {e.Exception.Message})";
                _log.Error($"the connection to the client ended: {e.Description}{cause}");
            }
        };
        State.AttachClient(rpc);
        return rpc;
    }

    public void Dispose()
    {
        _disposed = true;
        _rpc?.Dispose();
        State.Dispose();
        // An engine still being built is disposed when its build ends.
        if (_ownsEngine)
        {
            _ = State.EngineTask.ContinueWith(t => t.Result.Dispose(), CancellationToken.None,
                TaskContinuationOptions.OnlyOnRanToCompletion | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }
}
