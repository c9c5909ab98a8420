namespace CodeAssist.ModelFactory.Tests;

public sealed class RandomModelGenerationTests(RandomTinyModelFixture model) : IClassFixture<RandomTinyModelFixture>
{
    private const string Prompt = "<|fim_prefix|>var total = items.Sum(<|fim_suffix|>);\n<|fim_middle|>";

    [Fact]
    public void GenAiGeneratesTheRequestedNumberOfTokensWithGreedySearch()
    {
        const int newTokens = 24;
        var prompt = model.Session.Encode(Prompt);

        var generated = Generate(prompt, newTokens);

        Assert.Equal(newTokens, generated.Length);
        Assert.All(generated, id => Assert.InRange(id, 0, ByteLevelBpeTokenizer.Default.VocabSize - 1));
    }

    [Fact]
    public void GreedyGenerationPicksTheHighestLogitAndRepeatsExactly()
    {
        var prompt = model.Session.Encode(Prompt);
        using var generator = model.Session.StartGenerator();
        generator.AppendTokens(prompt);
        using var logits = generator.GetOutput("logits");
        var vocabSize = ByteLevelBpeTokenizer.Default.VocabSize;
        var lastRow = logits.GetData<float>()[^vocabSize..].ToArray();
        generator.GenerateNextToken();

        Assert.Equal(Array.IndexOf(lastRow, lastRow.Max()), generator.GetSequence(0)[^1]);
        Assert.Equal(Generate(prompt, 16), Generate(prompt, 16));
    }

    /// <summary>Exactly <paramref name="count"/> new tokens: min_length keeps a random model from stopping at end-of-text.</summary>
    private int[] Generate(int[] prompt, int count)
    {
        using var parameters = new Microsoft.ML.OnnxRuntimeGenAI.GeneratorParams(model.Session.Model);
        parameters.SetSearchOption("max_length", prompt.Length + count);
        parameters.SetSearchOption("min_length", prompt.Length + count);
        using var generator = new Microsoft.ML.OnnxRuntimeGenAI.Generator(model.Session.Model, parameters);
        generator.AppendTokens(prompt);
        return GenAiSession.GenerateToEnd(generator);
    }
}
