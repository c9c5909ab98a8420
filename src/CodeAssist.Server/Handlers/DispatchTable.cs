using StreamJsonRpc;

namespace CodeAssist.Server.Handlers;

/// <summary>
/// Registers handlers on the JSON-RPC connection with the threading their kind says (see HandlerKinds.cs) and the
/// preamble every handler would otherwise repeat: a missing params object is InvalidParams, a message before
/// `initialize` is ServerNotInitialized. Messages start one at a time in arrival order on the connection's
/// non-concurrent synchronization context; only the concurrent kind leaves it, after its snapshot step.
/// </summary>
internal sealed class DispatchTable(JsonRpc rpc, ServerState state)
{
    /// <param name="beforeInitialize">Accepted before `initialize` (only `initialize` and `exit` are).</param>
    public void SerialNotification<TParams>(string method, ISerialNotificationHandler<TParams> handler, bool beforeInitialize = false) =>
        Add(method, new SerialNotificationTarget<TParams>(state, handler, beforeInitialize), nameof(SerialNotificationTarget<TParams>.Invoke));

    public void SerialRequest<TParams, TResult>(string method, ISerialRequestHandler<TParams, TResult> handler, bool beforeInitialize = false) =>
        Add(method, new SerialRequestTarget<TParams, TResult>(state, handler, beforeInitialize), nameof(SerialRequestTarget<TParams, TResult>.Invoke));

    public void ConcurrentRequest<TParams, TSnapshot, TResult>(string method, IConcurrentRequestHandler<TParams, TSnapshot, TResult> handler) =>
        Add(method, new ConcurrentRequestTarget<TParams, TSnapshot, TResult>(state, handler),
            nameof(ConcurrentRequestTarget<TParams, TSnapshot, TResult>.InvokeAsync));

    private void Add(string method, object target, string invoke) =>
        rpc.AddLocalRpcMethod(
            target.GetType().GetMethod(invoke)!, target, new JsonRpcMethodAttribute(method) { UseSingleObjectParameterDeserialization = true });

    /// <summary>The preamble: the server's state allows the message and a params object came when one is needed.</summary>
    internal static TParams Admit<TParams>(ServerState state, TParams? parameters, bool beforeInitialize)
    {
        if (!beforeInitialize)
            state.EnsureInitialized();
        // Params of a class type are required; methods without params take a nullable struct (JsonElement?).
        if (parameters is null && !typeof(TParams).IsValueType)
            throw RequestErrors.InvalidParams($"missing params ({typeof(TParams).Name})");
        return parameters!;
    }
}

// Each target's dispatch step (the preamble and the handler's in-order part) runs through ServerState.RunInTurn, which
// runs it at once or, while the engine is being built, queues it in arrival order without holding a thread.

internal sealed class SerialNotificationTarget<TParams>(ServerState state, ISerialNotificationHandler<TParams> handler, bool beforeInitialize)
{
    public Task Invoke(TParams? parameters = default) => state.RunInTurn(() =>
    {
        RequestErrors.Map(() => handler.Handle(DispatchTable.Admit(state, parameters, beforeInitialize)));
        return true;
    }, CancellationToken.None);
}

internal sealed class SerialRequestTarget<TParams, TResult>(ServerState state, ISerialRequestHandler<TParams, TResult> handler, bool beforeInitialize)
{
    public Task<TResult> Invoke(TParams? parameters = default, CancellationToken cancellationToken = default) =>
        state.RunInTurn(() => RequestErrors.Map(() => handler.Handle(DispatchTable.Admit(state, parameters, beforeInitialize))), cancellationToken);
}

internal sealed class ConcurrentRequestTarget<TParams, TSnapshot, TResult>(ServerState state, IConcurrentRequestHandler<TParams, TSnapshot, TResult> handler)
{
    public async Task<TResult> InvokeAsync(TParams? parameters = default, CancellationToken cancellationToken = default)
    {
        // In arrival order: what the request sees is fixed here (a request that comes before the engine exists takes its
        // snapshot in its turn once it does, unless it is cancelled meanwhile).
        var snapshot = await state.RunInTurn(
            () => RequestErrors.Map(() => handler.Snapshot(DispatchTable.Admit(state, parameters, beforeInitialize: false))), cancellationToken)
            .ConfigureAwait(false);
        // Off the dispatch context: the messages behind this one start now.
        return await RequestErrors.MapAsync(() => Task.Run(() => handler.HandleAsync(snapshot, cancellationToken), CancellationToken.None))
            .ConfigureAwait(false);
    }
}
