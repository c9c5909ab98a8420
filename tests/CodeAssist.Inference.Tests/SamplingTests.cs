using CodeAssist.Inference.Generation;

namespace CodeAssist.Inference.Tests;

/// <summary>Extra candidates are sampled with a seed: the same seed gives the same reply, on any model instance.</summary>
public sealed class SamplingTests : IDisposable
{
    private const string Prompt = "public static class Program\n{\n    public static void Main()\n    {\n";

    private readonly TempDirectory _directory = new();
    private readonly string _folder;

    public SamplingTests()
    {
        _folder = TestModels.Random(_directory);
    }

    public void Dispose() => _directory.Dispose();

    private static async Task<string> Sample(LanguageModel model, int seed) =>
        (await model.GenerateAsync(new GenerationRequest(Prompt, 24) { Sampling = new Sampling(seed) }, CancellationToken.None)).Text;

    [Fact]
    public async Task SameSeedSameReply()
    {
        using var model = TestModels.LoadOnCpu(_folder);
        using var other = TestModels.LoadOnCpu(_folder);

        var first = await Sample(model, 11);

        Assert.Equal(first, await Sample(model, 11));
        Assert.Equal(first, await Sample(other, 11));
    }

    [Fact]
    public async Task SeedsActuallySample()
    {
        // The model's genai_config.json says top_k 1; sampling must not silently stay greedy.
        using var model = TestModels.LoadOnCpu(_folder);
        var greedy = (await model.GenerateAsync(new GenerationRequest(Prompt, 24), CancellationToken.None)).Text;

        var samples = new List<string>();
        for (var seed = 1; seed <= 4; seed++)
            samples.Add(await Sample(model, seed));

        Assert.True(samples.Distinct().Count() > 1, $"four seeds gave one reply: {samples[0]}");
        Assert.Contains(samples, sample => sample != greedy);
    }
}
