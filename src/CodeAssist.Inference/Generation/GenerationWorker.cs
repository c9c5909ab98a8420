namespace CodeAssist.Inference.Generation;

/// <summary>
/// The one thread that touches GenAI generators: GenAI objects are not free-threaded, and a CPU has no spare
/// cores for two generations at once. Pending work is taken newest first, because the newest request is the one
/// whose answer the user is waiting for; older ones are usually cancelled by then.
/// </summary>
internal sealed class GenerationWorker : IDisposable
{
    private readonly LinkedList<(Action Run, Action Abandon)> _pending = new();
    private readonly SemaphoreSlim _signal = new(0);
    private readonly Thread _thread;
    private readonly CancellationTokenSource _stopping = new();

    public GenerationWorker(string name)
    {
        _thread = new Thread(Run) { IsBackground = true, Name = name };
        _thread.Start();
    }

    public Task<T> RunAsync<T>(Func<T> work, CancellationToken cancellationToken)
    {
        var completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_pending)
        {
            ObjectDisposedException.ThrowIf(_stopping.IsCancellationRequested, this);
            _pending.AddFirst((() =>
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    completion.TrySetCanceled(cancellationToken);
                    return;
                }
                try
                {
                    completion.TrySetResult(work());
                }
                catch (OperationCanceledException e) when (cancellationToken.IsCancellationRequested)
                {
                    completion.TrySetCanceled(e.CancellationToken);
                }
                catch (Exception e)
                {
                    completion.TrySetException(e);
                }
            }, () => completion.TrySetException(new ObjectDisposedException(nameof(GenerationWorker), "the model was unloaded"))));
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
            Action next;
            lock (_pending)
            {
                next = _pending.First!.Value.Run;
                _pending.RemoveFirst();
            }
            next();
        }
    }

    public void Dispose()
    {
        lock (_pending)
            _stopping.Cancel();
        _thread.Join(TimeSpan.FromSeconds(5));
        lock (_pending)
        {
            foreach (var work in _pending)
                work.Abandon();
            _pending.Clear();
        }
    }
}
