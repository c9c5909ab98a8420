using Microsoft.ML.OnnxRuntimeGenAI;

namespace CodeAssist.ModelFactory.Tests;

/// <summary>A model folder loaded by the real GenAI runtime, with the greedy loop the tests share.</summary>
internal sealed class GenAiSession : IDisposable
{
    public GenAiSession(string modelDirectory)
    {
        Model = new Model(modelDirectory);
        Tokenizer = new Tokenizer(Model);
    }

    public Model Model { get; }

    public Tokenizer Tokenizer { get; }

    public int[] Encode(string text) => Tokenizer.Encode(text)[0].ToArray();

    public Generator StartGenerator(int maxLength = 512)
    {
        using var parameters = new GeneratorParams(Model);
        parameters.SetSearchOption("max_length", maxLength);
        return new Generator(Model, parameters);
    }

    /// <summary>
    /// Generates until GenAI is done and returns the new tokens. The sequence is read once at the end because
    /// when the model emits end-of-text, GenAI 0.18 stops without appending it, so the last element read right
    /// after GenerateNextToken would be the previous token again.
    /// </summary>
    public static int[] GenerateToEnd(Generator generator)
    {
        var start = (int)generator.TokenCount();
        while (!generator.IsDone())
        {
            generator.GenerateNextToken();
        }
        return generator.GetSequence(0)[start..].ToArray();
    }

    public void Dispose()
    {
        Tokenizer.Dispose();
        Model.Dispose();
    }
}
