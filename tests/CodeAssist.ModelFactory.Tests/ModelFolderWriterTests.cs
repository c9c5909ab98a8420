using System.Text.Json;

namespace CodeAssist.ModelFactory.Tests;

public sealed class ModelFolderWriterTests
{
    private static readonly string[] ModelFolderFiles =
        ["codeassist.json", "genai_config.json", "model.onnx", "tokenizer.json", "tokenizer_config.json"];

    [Fact]
    public void RandomModelFoldersWrittenTwiceAreByteIdentical()
    {
        using var folder = new TempDirectory();
        ModelFolderWriter.WriteRandom(folder.Combine("first"), DecoderShape.Tiny, seed: 5);
        ModelFolderWriter.WriteRandom(folder.Combine("second"), DecoderShape.Tiny, seed: 5);

        AssertSameFiles(folder.Combine("first"), folder.Combine("second"));
    }

    [Fact]
    public void ScriptedModelFoldersWrittenTwiceAreByteIdentical()
    {
        using var folder = new TempDirectory();
        ModelFolderWriter.WriteScripted(folder.Combine("first"), "return 42;");
        ModelFolderWriter.WriteScripted(folder.Combine("second"), "return 42;");

        AssertSameFiles(folder.Combine("first"), folder.Combine("second"));
    }

    [Fact]
    public void DifferentSeedsGiveDifferentWeightsButTheSameTokenizer()
    {
        using var folder = new TempDirectory();
        ModelFolderWriter.WriteRandom(folder.Combine("five"), DecoderShape.Tiny, seed: 5);
        ModelFolderWriter.WriteRandom(folder.Combine("six"), DecoderShape.Tiny, seed: 6);

        Assert.NotEqual(File.ReadAllBytes(folder.Combine("five/model.onnx")), File.ReadAllBytes(folder.Combine("six/model.onnx")));
        Assert.Equal(File.ReadAllBytes(folder.Combine("five/tokenizer.json")), File.ReadAllBytes(folder.Combine("six/tokenizer.json")));
    }

    [Fact]
    public void CodeAssistJsonNamesTheModelAndItsPromptFormats()
    {
        using var folder = new TempDirectory();
        ModelFolderWriter.WriteRandom(folder.Path, DecoderShape.Tiny, seed: 1, modelName: "tiny-test");

        using var settings = JsonDocument.Parse(File.ReadAllText(folder.Combine("codeassist.json")));
        Assert.Equal("tiny-test", settings.RootElement.GetProperty("name").GetString());
        Assert.Equal("qwen", settings.RootElement.GetProperty("promptFormat").GetString());
        Assert.Equal("codeassist", settings.RootElement.GetProperty("chatFormat").GetString());
        Assert.Equal("CodeAssist.ModelFactory", settings.RootElement.GetProperty("generatedBy").GetString());
    }

    [Fact]
    public void GenAiConfigDescribesTheDecoderAndEndsAtEndOfText()
    {
        using var folder = new TempDirectory();
        var shape = DecoderShape.Realistic;
        ModelFolderWriter.WriteRandom(folder.Path, shape, seed: 1);

        using var config = JsonDocument.Parse(File.ReadAllText(folder.Combine("genai_config.json")));
        var model = config.RootElement.GetProperty("model");
        var decoder = model.GetProperty("decoder");
        var tokenizer = ByteLevelBpeTokenizer.Default;
        Assert.Equal("llama", model.GetProperty("type").GetString());
        Assert.Equal(tokenizer.TokenId(ByteLevelBpeTokenizer.EndOfText), model.GetProperty("eos_token_id").GetInt32());
        Assert.Equal(tokenizer.VocabSize, model.GetProperty("vocab_size").GetInt32());
        Assert.Equal(shape.ContextLength, model.GetProperty("context_length").GetInt32());
        Assert.Equal(shape.Layers, decoder.GetProperty("num_hidden_layers").GetInt32());
        Assert.Equal(shape.HeadSize, decoder.GetProperty("head_size").GetInt32());
        Assert.False(config.RootElement.GetProperty("search").GetProperty("past_present_share_buffer").GetBoolean());
    }

    [Fact]
    public void WriteDecoderRejectsWeightsForAnotherVocabulary()
    {
        using var folder = new TempDirectory();
        var weights = DecoderWeights.Random(DecoderShape.Tiny, vocabSize: 500, seed: 1);

        var error = Assert.Throws<ArgumentException>(() =>
            ModelFolderWriter.WriteDecoder(folder.Path, DecoderShape.Tiny, weights, ByteLevelBpeTokenizer.Default, "mismatch"));
        Assert.Contains("500", error.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(folder.Path));
    }

    private static void AssertSameFiles(string expectedDirectory, string actualDirectory)
    {
        Assert.Equal(ModelFolderFiles, FileNames(expectedDirectory));
        Assert.Equal(ModelFolderFiles, FileNames(actualDirectory));
        foreach (var name in ModelFolderFiles)
        {
            Assert.True(
                File.ReadAllBytes(Path.Combine(expectedDirectory, name)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(actualDirectory, name))),
                $"{name} differs between two writes with the same arguments.");
        }
    }

    private static string[] FileNames(string directory) =>
        [.. Directory.GetFiles(directory).Select(path => Path.GetFileName(path)).Order(StringComparer.Ordinal)];
}
