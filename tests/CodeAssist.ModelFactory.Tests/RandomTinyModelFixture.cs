namespace CodeAssist.ModelFactory.Tests;

/// <summary>One random Tiny model folder, loaded by GenAI once for all tests of a class.</summary>
public sealed class RandomTinyModelFixture : IDisposable
{
    private readonly TempDirectory _folder = new();

    public RandomTinyModelFixture()
    {
        ModelFolderWriter.WriteRandom(_folder.Path, DecoderShape.Tiny, Seed);
        Session = new GenAiSession(_folder.Path);
    }

    public const int Seed = 11;

    internal GenAiSession Session { get; }

    public void Dispose()
    {
        Session.Dispose();
        _folder.Dispose();
    }
}
