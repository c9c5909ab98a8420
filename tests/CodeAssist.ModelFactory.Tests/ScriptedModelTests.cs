using System.Text;

namespace CodeAssist.ModelFactory.Tests;

/// <summary>The scripted model's greedy output through the real GenAI runtime is exactly its script.</summary>
public sealed class ScriptedModelTests : IDisposable
{
    private const string Script = "Console.WriteLine(\"hi\");\n    return;";
    private const string FimPrompt = "<|fim_prefix|>int x = <|fim_suffix|>;\n<|fim_middle|>";

    private readonly TempDirectory _folder = new();
    private readonly GenAiSession _session;

    public ScriptedModelTests()
    {
        ModelFolderWriter.WriteScripted(_folder.Path, Script);
        _session = new GenAiSession(_folder.Path);
    }

    public void Dispose()
    {
        _session.Dispose();
        _folder.Dispose();
    }

    [Fact]
    public void FimPromptGeneratesTheScriptThenStops()
    {
        using var generator = _session.StartGenerator();
        generator.AppendTokens(_session.Encode(FimPrompt));

        var generated = GenAiSession.GenerateToEnd(generator);

        Assert.Equal(ByteLevelBpeTokenizer.Default.Encode(Script), generated);
        Assert.Equal(Script, _session.Tokenizer.Decode(generated));
        Assert.True(generator.IsDone());
    }

    [Fact]
    public void ChatPromptEndingWithTheAssistantMarkerGeneratesTheScript()
    {
        using var generator = _session.StartGenerator();
        generator.AppendTokens(_session.Encode("<|user|>\nPrint hi, then return.<|end|>\n<|assistant|>"));

        Assert.Equal(Script, _session.Tokenizer.Decode(GenAiSession.GenerateToEnd(generator)));
    }

    [Fact]
    public void RewindingToAShorterPrefixAndAppendingAgainGeneratesTheScriptAgain()
    {
        var prompt = _session.Encode(FimPrompt);
        using var generator = _session.StartGenerator();
        generator.AppendTokens(prompt);
        GenAiSession.GenerateToEnd(generator);

        const int keptTokens = 3;
        generator.RewindTo(keptTokens);
        generator.AppendTokens(prompt.AsSpan(keptTokens));

        Assert.Equal(Script, _session.Tokenizer.Decode(GenAiSession.GenerateToEnd(generator)));
    }

    [Fact]
    public void RewindingPastTheMarkerForgetsIt()
    {
        var prompt = _session.Encode(FimPrompt);
        using var generator = _session.StartGenerator();
        generator.AppendTokens(prompt);
        GenAiSession.GenerateToEnd(generator);

        generator.RewindTo((ulong)prompt.Length - 1);
        generator.AppendTokens(_session.Encode("x"));

        Assert.Empty(GenAiSession.GenerateToEnd(generator));
    }

    [Fact]
    public void PromptWithoutMarkerEndsAtOnce()
    {
        using var generator = _session.StartGenerator();
        generator.AppendTokens(_session.Encode("int x = 1;"));

        Assert.Empty(GenAiSession.GenerateToEnd(generator));
        Assert.True(generator.IsDone());
    }

    [Fact]
    public void StreamingNonAsciiScriptHoldsBackPartialCharacters()
    {
        const string script = "// ünïcødé 日本\nvar π = 3.14;";
        using var scriptedFolder = new TempDirectory();
        ModelFolderWriter.WriteScripted(scriptedFolder.Path, script);
        using var scripted = new GenAiSession(scriptedFolder.Path);
        using var generator = scripted.StartGenerator();
        generator.AppendTokens(scripted.Encode(FimPrompt));
        using var stream = scripted.Tokenizer.CreateStream();
        var streamed = new StringBuilder();
        var pieces = new List<string>();

        foreach (var id in GenAiSession.GenerateToEnd(generator))
        {
            var piece = stream.Decode(id);
            pieces.Add(piece);
            streamed.Append(piece);
        }

        Assert.Equal(script, streamed.ToString());
        Assert.DoesNotContain(pieces, piece => piece.Contains('\uFFFD'));
    }
}
