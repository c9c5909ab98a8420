using CodeAssist.Inference.Generation;

namespace CodeAssist.Inference.Tests;

/// <summary>
/// The warm-up generation after a model loads (#19): it runs once, a real request supersedes it, and nothing a request
/// or a figure can see shows that it ran — not the KV cache, the generation count, the speculation totals, nor any
/// reply. Random weights make any trace of the warm-up in the cache change the reply.
/// </summary>
public sealed class WarmUpTests : IDisposable
{
    private const int NewTokens = 24;

    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private static GenerationRequest Request => new(TestModels.LongRunningPrompt, NewTokens);

    [Fact]
    public async Task The_warm_up_runs_once_and_leaves_no_trace()
    {
        using var model = TestModels.LoadOnCpu(TestModels.Random(_directory));

        var warmUp = model.WarmUpAsync();
        Assert.Same(warmUp, model.WarmUpAsync());
        Assert.True(await warmUp);
        Assert.Same(warmUp, model.WarmUpAsync());

        Assert.Equal(0, model.GenerationCount);
        Assert.Empty(model.CachedSequence);
        Assert.Equal(SpeculationCounts.Zero, model.SpeculationTotals);
        var reply = await model.GenerateAsync(Request, CancellationToken.None);
        Assert.Equal(0, reply.ReusedPromptTokens);
        Assert.Equal(1, model.GenerationCount);
        Assert.Equal(await FreshReply(), reply.Text);
    }

    [Fact]
    public async Task A_request_that_came_first_means_the_warm_up_never_runs()
    {
        using var model = TestModels.LoadOnCpu(TestModels.Random(_directory));
        var reply = await model.GenerateAsync(Request, CancellationToken.None);
        var cached = model.CachedSequence.ToArray();

        Assert.False(await model.WarmUpAsync());

        Assert.Equal(1, model.GenerationCount);
        Assert.Equal(cached, model.CachedSequence);
        Assert.Equal(reply.Text, (await model.GenerateAsync(Request, CancellationToken.None)).Text);
    }

    [Fact]
    public async Task A_request_during_the_warm_up_gets_the_reply_a_model_without_one_gives()
    {
        using var model = TestModels.LoadOnCpu(TestModels.Random(_directory));

        // Whether the warm-up is still queued, running or done when the request comes, the request's reply is its own.
        var warmUp = model.WarmUpAsync();
        var reply = await model.GenerateAsync(Request, CancellationToken.None);
        await warmUp;

        Assert.Equal(await FreshReply(), reply.Text);
        Assert.Equal(1, model.GenerationCount);
    }

    [Fact]
    public async Task The_warm_up_of_an_unloaded_model_reports_that_it_did_not_run()
    {
        var model = TestModels.LoadOnCpu(TestModels.Random(_directory));
        model.Dispose();

        Assert.False(await model.WarmUpAsync());
    }

    /// <summary>What a model that never warmed up replies.</summary>
    private async Task<string> FreshReply()
    {
        using var fresh = TestModels.LoadOnCpu(TestModels.Random(_directory, name: "fresh-" + Guid.NewGuid().ToString("N")));
        return (await fresh.GenerateAsync(Request, CancellationToken.None)).Text;
    }
}
