using CodeAssist.Server.Protocol;
using StreamJsonRpc;

namespace CodeAssist.Server.Handlers;

/// <summary>
/// Server-initiated LSP work-done progress (window/workDoneProgress/create, then $/progress begin/report/end).
/// A client that refuses or does not support it just sees no progress.
/// </summary>
internal sealed class WorkDoneProgress : IDisposable
{
    private static readonly TimeSpan CreateTimeout = TimeSpan.FromSeconds(5);

    private readonly JsonRpc? _client;
    private readonly string _token;
    private bool _ended;

    private WorkDoneProgress(JsonRpc? client, string token)
    {
        _client = client;
        _token = token;
    }

    public static async Task<WorkDoneProgress> StartAsync(JsonRpc? client, string title, ServerLog log)
    {
        var token = "codeassist/" + Guid.NewGuid().ToString("N");
        if (client is null)
            return new WorkDoneProgress(null, token);
        try
        {
            // What waits for progress (loading the solution) must not wait on a client that never answers.
            await client.InvokeWithParameterObjectAsync<object?>("window/workDoneProgress/create", new WorkDoneProgressCreateParams(token))
                .WaitAsync(CreateTimeout).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RemoteInvocationException or ConnectionLostException or ObjectDisposedException or TimeoutException)
        {
            log.Debug($"the client does not take progress: {e.Message}");
            return new WorkDoneProgress(null, token);
        }
        var progress = new WorkDoneProgress(client, token);
        progress.Send(new WorkDoneProgressBegin(title, Cancellable: false));
        return progress;
    }

    public void Report(string message, int? percentage) => Send(new WorkDoneProgressReport(message, percentage));

    public void End(string message)
    {
        if (_ended)
            return;
        _ended = true;
        Send(new WorkDoneProgressEnd(message));
    }

    private void Send(object value)
    {
        if (_client is null || _client.IsDisposed)
            return;
        _ = _client.NotifyWithParameterObjectAsync("$/progress", new ProgressParams(_token, value)).ContinueWith(
            static t => _ = t.Exception, TaskContinuationOptions.OnlyOnFaulted);
    }

    public void Dispose() => End("done");
}
