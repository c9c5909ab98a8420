using CodeAssist.Inference.Generation;

namespace CodeAssist.Inference.Tests;

/// <summary>
/// Cancellation is normal: a generation in flight stops between two tokens, a queued one ends at once, and the model
/// keeps serving. Uses a random model that runs past 1500 tokens when nothing stops it.
/// </summary>
public sealed class CancellationTests : IDisposable
{
    private const int Long = 1500;

    private readonly TempDirectory _directory = new();
    private readonly LanguageModel _model;

    public CancellationTests()
    {
        _model = TestModels.LoadOnCpu(TestModels.Random(_directory));
    }

    public void Dispose()
    {
        _model.Dispose();
        _directory.Dispose();
    }

    private static GenerationRequest LongRequest => new(TestModels.LongRunningPrompt, Long);

    [Fact]
    public async Task CancellingAfterTheFirstPieceStopsTheGenerationAndTheModelServesTheNextRequest()
    {
        using var cancellation = new CancellationTokenSource();
        var pieces = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in _model.StreamAsync(LongRequest, cancellationToken: cancellation.Token))
            {
                if (pieces++ == 0)
                    cancellation.Cancel();
            }
        });

        Assert.True(pieces < Long, $"{pieces} pieces arrived after cancelling at the first");
        Assert.Equal(0, _model.GenerationCount);
        var next = await _model.GenerateAsync(new GenerationRequest(TestModels.LongRunningPrompt, 8), CancellationToken.None);
        Assert.Equal(8, next.NewTokens);
        Assert.Equal(1, _model.GenerationCount);
    }

    [Fact]
    public async Task LeavingTheStreamEarlyStopsTheGeneration()
    {
        await foreach (var _ in _model.StreamAsync(LongRequest))
            break;

        var next = await _model.GenerateAsync(new GenerationRequest(TestModels.LongRunningPrompt, 8), CancellationToken.None);

        Assert.Equal(8, next.NewTokens);
        // Only the second generation ran to its end: the abandoned one was stopped, not finished in the background.
        Assert.Equal(1, _model.GenerationCount);
    }

    [Fact]
    public async Task QueuedRequestEndsAtOnceWhenCancelled()
    {
        using var stopLong = new CancellationTokenSource();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = Task.Run(async () =>
        {
            await foreach (var _ in _model.StreamAsync(LongRequest, cancellationToken: stopLong.Token))
                started.TrySetResult();
        });
        await started.Task;

        using var cancelQueued = new CancellationTokenSource();
        var queued = _model.GenerateAsync(new GenerationRequest(TestModels.LongRunningPrompt, 8), cancelQueued.Token);
        cancelQueued.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queued);
        Assert.False(running.IsCompleted, "the queued request was waiting behind the running one, and ended without it");
        stopLong.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        Assert.Equal(0, _model.GenerationCount);
    }

    [Fact]
    public async Task AlreadyCancelledRequestNeverRuns()
    {
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _model.GenerateAsync(LongRequest, new CancellationToken(canceled: true)));

        Assert.Equal(0, _model.GenerationCount);
    }

    [Fact]
    public async Task DisposingTheModelStopsAGenerationInFlight()
    {
        using var model = TestModels.LoadOnCpu(TestModels.Random(_directory, name: "disposed"));
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = Task.Run(async () =>
        {
            await foreach (var _ in model.StreamAsync(LongRequest))
                started.TrySetResult();
        });
        await started.Task;

        model.Dispose();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        Assert.Throws<ObjectDisposedException>(() => model.CountTokens("x"));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => model.GenerateAsync(new GenerationRequest("x", 1), CancellationToken.None));
    }
}
