namespace CodeAssist.ModelFactory.Tests;

/// <summary>One random Tiny model folder, loaded by GenAI once for all tests of a class.</summary>
public sealed class RandomTinyModelFixture : IDisposable
{
    private readonly TempDirectory folder = new();

    public RandomTinyModelFixture()
    {
        ModelFolderWriter.WriteRandom(folder.Path, DecoderShape.Tiny, Seed);
        Session = new GenAiSession(folder.Path);
    }

    public const int Seed = 11;

    internal GenAiSession Session { get; }

    public void Dispose()
    {
        Session.Dispose();
        folder.Dispose();
    }
}
