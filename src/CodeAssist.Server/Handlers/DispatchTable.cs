using StreamJsonRpc;

namespace CodeAssist.Server.Handlers;

/// <summary>
/// Registers handlers on the JSON-RPC connection with the threading their kind says (see HandlerKinds.cs) and the
/// preamble every handler would otherwise repeat: a missing params object is InvalidParams, a message before
/// `initialize` is ServerNotInitialized. Messages start one at a time in arrival order on the connection's
/// non-concurrent synchronization context; only the concurrent kind leaves it, after its snapshot step.
/// The table is written before the connection exists and registered on it by <see cref="AddTo"/>, once the first
/// `initialize` has been answered without it (<see cref="Transport.EarlyInitialize"/>): the reflection over the targets
/// and StreamJsonRpc's method table are then off the path to that answer.
/// </summary>
internal sealed class DispatchTable(ServerState state)
{
    private readonly List<(string Method, object Target, string Invoke)> _entries = [];

    /// <param name="beforeInitialize">Accepted before `initialize` (only `initialize` and `exit` are).</param>
    public void SerialNotification<TParams>(string method, ISerialNotificationHandler<TParams> handler, bool beforeInitialize = false) =>
        _entries.Add((method, new SerialNotificationTarget<TParams>(state, handler, beforeInitialize), nameof(SerialNotificationTarget<TParams>.Invoke)));

    /// <returns>
    /// The method's target, which the table calls; <see cref="Transport.EarlyInitialize"/> calls initialize's before the
    /// table is registered.
    /// </returns>
    public SerialRequestTarget<TParams, TResult> SerialRequest<TParams, TResult>(
        string method, ISerialRequestHandler<TParams, TResult> handler, bool beforeInitialize = false)
    {
        var target = new SerialRequestTarget<TParams, TResult>(state, handler, beforeInitialize);
        _entries.Add((method, target, nameof(SerialRequestTarget<TParams, TResult>.Invoke)));
        return target;
    }

    public void ConcurrentRequest<TParams, TSnapshot, TResult>(string method, IConcurrentRequestHandler<TParams, TSnapshot, TResult> handler) =>
        _entries.Add((method, new ConcurrentRequestTarget<TParams, TSnapshot, TResult>(state, handler),
            nameof(ConcurrentRequestTarget<TParams, TSnapshot, TResult>.InvokeAsync)));

    /// <summary>Registers every method of the table on <paramref name="rpc"/> (before it starts listening).</summary>
    public void AddTo(JsonRpc rpc)
    {
        foreach (var (method, target, invoke) in _entries)
        {
            rpc.AddLocalRpcMethod(
                target.GetType().GetMethod(invoke)!, target, new JsonRpcMethodAttribute(method) { UseSingleObjectParameterDeserialization = true });
        }
    }

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
