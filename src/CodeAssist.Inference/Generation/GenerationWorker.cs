namespace CodeAssist.Inference.Generation;

/// <summary>
/// The one thread that touches GenAI generators: GenAI objects are not free-threaded, and a CPU has no spare
/// cores for two generations at once. Pending work is taken newest first, because the newest request is the one
/// whose answer the user is waiting for; older ones are usually cancelled by then. A cancelled request's task ends
/// at once, queued or running; a running one stops at its next cancellation check.
/// </summary>
internal sealed class GenerationWorker : IDisposable
{
    private readonly LinkedList<WorkItem> _pending = new();
    private readonly SemaphoreSlim _signal = new(0);
    private readonly Thread _thread;
    private readonly CancellationTokenSource _stopping = new();

    private sealed record WorkItem(Action Run, Action Abandon);

    public GenerationWorker(string name)
    {
        _thread = new Thread(Run) { IsBackground = true, Name = name };
        _thread.Start();
    }

    public Task<T> RunAsync<T>(Func<T> work, CancellationToken cancellationToken)
    {
        var completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var registration = cancellationToken.Register(() => completion.TrySetCanceled(cancellationToken));
        var item = new WorkItem(() =>
        {
            try
            {
                if (!cancellationToken.IsCancellationRequested)
                    completion.TrySetResult(work());
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                completion.TrySetCanceled(cancellationToken);
            }
            catch (Exception e)
            {
                completion.TrySetException(e);
            }
            finally
            {
                registration.Dispose();
            }
        }, () =>
        {
            registration.Dispose();
            completion.TrySetException(new ObjectDisposedException(nameof(GenerationWorker), "the model was unloaded"));
        });
        lock (_pending)
        {
            if (_stopping.IsCancellationRequested)
            {
                registration.Dispose();
                throw new ObjectDisposedException(nameof(GenerationWorker), "the model was unloaded");
            }
            _pending.AddFirst(item);
        }
        _signal.Release();
        return completion.Task;
    }

    private void Run()
    {
        while (true)
        {
            try
            {
                _signal.Wait(_stopping.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            WorkItem next;
            lock (_pending)
            {
                next = _pending.First!.Value;
                _pending.RemoveFirst();
            }
            next.Run();
        }
    }

    /// <summary>Stops taking work, abandons what is queued and waits for the running item; false when it did not end in time.</summary>
    public bool Stop(TimeSpan timeout)
    {
        lock (_pending)
            _stopping.Cancel();
        var stopped = _thread.Join(timeout);
        lock (_pending)
        {
            foreach (var work in _pending)
                work.Abandon();
            _pending.Clear();
        }
        return stopped;
    }

    public void Dispose() => Stop(Timeout.InfiniteTimeSpan);
}
