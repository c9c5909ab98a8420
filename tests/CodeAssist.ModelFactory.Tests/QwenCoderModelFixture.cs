using CodeAssist.ModelFactory.Builder;

namespace CodeAssist.ModelFactory.Tests;

/// <summary>
/// A Qwen2.5-Coder-shaped folder: builder-shaped qwen2 int4 graph, Qwen's tokenizer layout (151,665 ids, 151,936
/// model rows), loaded once by GenAI for the tests that share it.
/// </summary>
public sealed class QwenCoderModelFixture : IDisposable
{
    private readonly TempDirectory _folder = new();

    public QwenCoderModelFixture()
    {
        ModelFolderWriter.WriteRandomBuilderShaped(
            _folder.Path, DecoderShape.QwenTest, ByteLevelBpeTokenizer.QwenCoder, new BuilderModelOptions(BuilderModelType.Qwen2), seed: 16);
        Session = new GenAiSession(_folder.Path);
    }

    public string Path => _folder.Path;

    internal GenAiSession Session { get; }

    public void Dispose()
    {
        Session.Dispose();
        _folder.Dispose();
    }
}
