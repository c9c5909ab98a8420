using CodeAssist.Inference.Generation;

namespace CodeAssist.Inference.Tests;

/// <summary>The generation thread's queue: newest first, cancelled work ends at once and never runs.</summary>
public sealed class GenerationWorkerTests : IDisposable
{
    private readonly GenerationWorker _worker = new("test worker");
    private readonly ManualResetEventSlim _gate = new();
    private readonly List<int> _ran = [];

    public void Dispose()
    {
        _gate.Set();
        _worker.Dispose();
        _gate.Dispose();
    }

    /// <summary>Occupies the worker until the gate opens, so that what follows queues up.</summary>
    private async Task<Task<int>> BlockWorker()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var blocker = _worker.RunAsync(() =>
        {
            started.SetResult();
            _gate.Wait();
            return 0;
        }, CancellationToken.None);
        await started.Task;
        return blocker;
    }

    private Task<int> Record(int id, CancellationToken cancellationToken = default) => _worker.RunAsync(() =>
    {
        lock (_ran)
            _ran.Add(id);
        return id;
    }, cancellationToken);

    [Fact]
    public async Task QueuedWorkRunsNewestFirst()
    {
        var blocker = await BlockWorker();
        var queued = new[] { Record(1), Record(2), Record(3) };

        _gate.Set();
        await Task.WhenAll(queued);

        Assert.Equal([3, 2, 1], _ran);
        Assert.Equal(0, await blocker);
    }

    [Fact]
    public async Task CancelledQueuedWorkEndsAtOnceAndNeverRuns()
    {
        var blocker = await BlockWorker();
        using var cancellation = new CancellationTokenSource();
        var cancelled = Record(1, cancellation.Token);
        var kept = Record(2);

        cancellation.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        Assert.False(blocker.IsCompleted);
        _gate.Set();
        Assert.Equal(2, await kept);
        Assert.Equal([2], _ran);
    }

    [Fact]
    public async Task ExceptionsReachTheCaller()
    {
        var failing = _worker.RunAsync<int>(() => throw new InvalidOperationException("boom"), CancellationToken.None);

        Assert.Equal("boom", (await Assert.ThrowsAsync<InvalidOperationException>(() => failing)).Message);
        Assert.Equal(7, await Record(7));
    }

    [Fact]
    public async Task StoppingAbandonsQueuedWorkAndWaitsForTheRunningItem()
    {
        var blocker = await BlockWorker();
        var queued = Record(1);

        Assert.False(_worker.Stop(TimeSpan.Zero), "the blocking item is still running");

        await Assert.ThrowsAsync<ObjectDisposedException>(() => queued);
        Assert.Throws<ObjectDisposedException>(() => { _ = Record(2); });
        _gate.Set();
        Assert.Equal(0, await blocker);
        Assert.True(_worker.Stop(LspTestClient.HangGuard));
        Assert.Empty(_ran);
    }
}
