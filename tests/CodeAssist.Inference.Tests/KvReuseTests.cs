using CodeAssist.Inference.Generation;
using CodeAssist.ModelFactory.Builder;

namespace CodeAssist.Inference.Tests;

/// <summary>
/// Reusing the previous greedy generation's KV cache must be invisible except for speed: every reply equals what a
/// freshly loaded model gives for the same prompt. Random weights make any wrong cache entry change the output.
/// The same cases run on the plain-operator model (a cache grown by Concat) and on builder-shaped int4 models,
/// whose GroupQueryAttention reads and writes one shared buffer.
/// </summary>
public abstract class KvReuseTests : IDisposable
{
    private const int NewTokens = 24;
    private const string Prefix = "public static class Program\n{\n    public static int Sum(int[] values)\n    {\n        var total = 0;\n";

    private protected readonly TempDirectory _directory = new();
    private readonly string _folder;
    private readonly LanguageModel _model;

    private protected KvReuseTests(Func<TempDirectory, string> writeModel)
    {
        _folder = writeModel(_directory);
        _model = TestModels.LoadOnCpu(_folder);
    }

    public void Dispose()
    {
        _model.Dispose();
        _directory.Dispose();
        GC.SuppressFinalize(this);
    }

    private Task<GenerationResult> Generate(string prompt, bool reusePrefix = true) =>
        _model.GenerateAsync(new GenerationRequest(prompt, NewTokens) { ReusePrefix = reusePrefix }, CancellationToken.None);

    /// <summary>What a model that never saw an earlier prompt replies.</summary>
    private async Task<GenerationResult> Fresh(string prompt)
    {
        using var fresh = TestModels.LoadOnCpu(_folder);
        return await fresh.GenerateAsync(new GenerationRequest(prompt, NewTokens), CancellationToken.None);
    }

    private static void AssertSameReply(GenerationResult expected, GenerationResult actual)
    {
        Assert.Equal(expected.Text, actual.Text);
        Assert.Equal(expected.NewTokens, actual.NewTokens);
        Assert.Equal(expected.StopReason, actual.StopReason);
        Assert.Equal(expected.PromptTokens, actual.PromptTokens);
    }

    [Fact]
    public async Task ExtendedPromptReusesTheCacheAndMatchesAFreshRun()
    {
        const string first = Prefix;
        const string second = Prefix + "        foreach (var value in values)\n";

        await Generate(first);
        var reused = await Generate(second);

        Assert.True(reused.ReusedPromptTokens > 0, "the extended prompt should reuse the cached prefix");
        AssertSameReply(await Fresh(second), reused);
    }

    [Fact]
    public async Task TypingInsideAFimPromptReusesEverythingBeforeTheCursor()
    {
        static string Fim(string typed) => $"<|fim_prefix|>{Prefix}        {typed}<|fim_suffix|>\n        return total;\n    }}\n}}\n<|fim_middle|>";

        var before = await Generate(Fim("for"));
        var reused = await Generate(Fim("foreach (var v"));

        Assert.True(reused.ReusedPromptTokens >= _model.CountTokens("<|fim_prefix|>" + Prefix) - 2,
            $"reused {reused.ReusedPromptTokens} of {reused.PromptTokens}");
        Assert.True(reused.ReusedPromptTokens < before.PromptTokens);
        AssertSameReply(await Fresh(Fim("foreach (var v")), reused);
    }

    [Fact]
    public async Task AcceptingTheReplyAndTypingOnMatchesAFreshRun()
    {
        var first = await Generate(Prefix);
        var second = Prefix + first.Text + ";";

        var reused = await Generate(second);

        Assert.True(reused.ReusedPromptTokens > 0);
        AssertSameReply(await Fresh(second), reused);
    }

    [Fact]
    public async Task SamePromptTwiceReusesAllButTheLastToken()
    {
        var first = await Generate(Prefix);

        var second = await Generate(Prefix);

        Assert.Equal(first.PromptTokens - 1, second.ReusedPromptTokens);
        AssertSameReply(first, second);
    }

    [Fact]
    public async Task UnrelatedPromptStartsFresh()
    {
        await Generate(Prefix);

        var other = await Generate("namespace Shop.Orders;\n\npublic sealed record Order(int Id);\n");

        Assert.Equal(0, other.ReusedPromptTokens);
        AssertSameReply(await Fresh("namespace Shop.Orders;\n\npublic sealed record Order(int Id);\n"), other);
    }

    [Fact]
    public async Task ReusePrefixFalseStartsFresh()
    {
        await Generate(Prefix);

        var again = await Generate(Prefix, reusePrefix: false);

        Assert.Equal(0, again.ReusedPromptTokens);
        AssertSameReply(await Fresh(Prefix), again);
    }

    [Fact]
    public async Task CancelledGenerationKeepsItsCacheForTheNextKeystroke()
    {
        using (var cancellation = new CancellationTokenSource())
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
            {
                await foreach (var _ in _model.StreamAsync(new GenerationRequest(Prefix, 1500), cancellationToken: cancellation.Token))
                    cancellation.Cancel();
            });
        }

        var next = await Generate(Prefix + "        return");

        Assert.True(next.ReusedPromptTokens > 0);
        AssertSameReply(await Fresh(Prefix + "        return"), next);
    }

    [Fact]
    public async Task SampledRequestsLeaveTheGreedyCacheAlone()
    {
        await Generate(Prefix);
        await _model.GenerateAsync(new GenerationRequest(Prefix, NewTokens) { Sampling = new Sampling(Seed: 3) }, CancellationToken.None);

        var extended = await Generate(Prefix + "        int count = 0;\n");

        Assert.True(extended.ReusedPromptTokens > 0);
        AssertSameReply(await Fresh(Prefix + "        int count = 0;\n"), extended);
    }
}

/// <summary>The plain-operator random model, and the scripted model's exact replies across a rewind.</summary>
public sealed class PlainKvReuseTests() : KvReuseTests(directory => TestModels.Random(directory))
{
    [Fact]
    public async Task PromptCoveringTheWholeCachedSequenceRewindsOnlyAsFarAsGenAiCan()
    {
        // After a reply that was cut short (here by max tokens) GenAI 0.18 cannot rewind to the end of the sequence:
        // the last tokens' keys and values are not committed. A prompt that extends the whole sequence must still
        // get the right reply, reusing all but those last tokens.
        const string script = "Console.WriteLine(total + 1);";
        using var scripted = TestModels.LoadOnCpu(TestModels.Scripted(_directory, script));
        var prompt = TestModels.FimPrompt("var total = 1;\n");
        var first = await scripted.GenerateAsync(new GenerationRequest(prompt, 5), CancellationToken.None);
        Assert.Equal(StopReason.MaxTokens, first.StopReason);
        var next = prompt + first.Text + "<|fim_middle|>";
        Assert.Equal(scripted.CachedSequence, scripted.Encode(next)[..^1]);

        var reused = await scripted.GenerateAsync(new GenerationRequest(next, 5), CancellationToken.None);

        Assert.Equal(first.PromptTokens + first.NewTokens - 2, reused.ReusedPromptTokens);
        // The scripted model starts its script again after the latest marker.
        Assert.Equal(first.Text, reused.Text);
    }

    [Fact]
    public async Task ScriptedModelGivesTheScriptAgainAfterReuse()
    {
        const string script = "Console.WriteLine(total);";
        using var scripted = TestModels.LoadOnCpu(TestModels.Scripted(_directory, script));

        var first = await scripted.GenerateAsync(new GenerationRequest(TestModels.FimPrompt("var total = 1;\n"), 32), CancellationToken.None);
        var second = await scripted.GenerateAsync(new GenerationRequest(TestModels.FimPrompt("var total = 1;\n" + first.Text), 32), CancellationToken.None);

        Assert.Equal(script, first.Text);
        Assert.Equal(script, second.Text);
        Assert.True(second.ReusedPromptTokens > 0);
    }
}

/// <summary>Qwen2.5-Coder-shaped: qwen2, int4 MatMulNBits, GroupQueryAttention over a shared buffer, 151,936-row vocabulary.</summary>
public sealed class QwenInt4KvReuseTests() : KvReuseTests(directory => TestModels.BuilderShaped(directory, BuilderModelType.Qwen2));

/// <summary>Llama-shaped (DeepSeek-Coder's type): int4, grouped-query attention, shared buffer.</summary>
public sealed class LlamaInt4KvReuseTests() : KvReuseTests(directory => TestModels.BuilderShaped(directory, BuilderModelType.Llama));

/// <summary>
/// DeepSeek-Coder-shaped: llama int4, its tokenizer adding &lt;｜begin▁of▁sentence｜&gt; to every prompt, 32,256-row
/// vocabulary (the pre-tokenizer variant GenAI 0.18 reads).
/// </summary>
public sealed class DeepSeekInt4KvReuseTests() : KvReuseTests(directory => TestModels.DeepSeekCoder(directory));
