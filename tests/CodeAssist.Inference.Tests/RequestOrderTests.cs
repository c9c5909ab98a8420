using CodeAssist.Inference.Generation;

namespace CodeAssist.Inference.Tests;

/// <summary>Requests that queue behind a running generation are served newest first, through the real model.</summary>
public sealed class RequestOrderTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly LanguageModel _model;

    public RequestOrderTests()
    {
        _model = TestModels.LoadOnCpu(TestModels.Random(_directory));
    }

    public void Dispose()
    {
        _model.Dispose();
        _directory.Dispose();
    }

    [Fact]
    public async Task QueuedRequestsRunNewestFirst()
    {
        const string older = "namespace Shop.Orders;\n\npublic sealed class Order\n{\n";
        const string newer = "using System;\n\npublic static class Program\n{\n";
        // A reader that takes one piece and stops reading holds the worker: the generator pauses once it is far
        // enough ahead, so both requests below queue behind it whatever the machine's speed.
        var blocker = _model.StreamAsync(new GenerationRequest(TestModels.LongRunningPrompt, 1500)).GetAsyncEnumerator();
        Assert.True(await blocker.MoveNextAsync());

        var first = _model.GenerateAsync(new GenerationRequest(older, 4), CancellationToken.None);
        var second = _model.GenerateAsync(new GenerationRequest(newer, 4), CancellationToken.None);
        await blocker.DisposeAsync();
        await Task.WhenAll(first, second);

        // The KV cache belongs to the greedy generation that ran last: the older request's.
        Assert.Equal(_model.Encode(older), _model.CachedSequence.Take((await first).PromptTokens));
        Assert.Equal(0, (await second).ReusedPromptTokens);
        Assert.Equal(2, _model.GenerationCount);
    }
}
