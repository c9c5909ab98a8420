using CodeAssist.Inference.Generation;
using CodeAssist.ModelFactory;

namespace CodeAssist.Inference.Tests;

/// <summary>Generation through the real GenAI runtime with scripted models, whose greedy reply is a chosen text.</summary>
public sealed class GenerationTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private LanguageModel Scripted(string script) => TestModels.LoadOnCpu(TestModels.Scripted(_directory, script, $"scripted-{Guid.NewGuid():N}"));

    private static async Task<(GenerationResult Result, List<string> Pieces)> Stream(LanguageModel model, GenerationRequest request)
    {
        var pieces = new List<string>();
        GenerationResult? result = null;
        await foreach (var piece in model.StreamAsync(request, r => result = r, CancellationToken.None))
            pieces.Add(piece);
        return (result!, pieces);
    }

    [Fact]
    public async Task GreedyOutputIsExactlyTheScript()
    {
        const string script = "Console.WriteLine(\"hello\");\n        return 0;";
        using var model = Scripted(script);

        var result = await model.GenerateAsync(new GenerationRequest(TestModels.FimPrompt(), 64), CancellationToken.None);

        Assert.Equal(script, result.Text);
        Assert.Equal(StopReason.EndOfText, result.StopReason);
        Assert.Equal(ByteLevelBpeTokenizer.Default.Encode(script).Count, result.NewTokens);
        Assert.Equal(model.CountTokens(TestModels.FimPrompt()), result.PromptTokens);
        Assert.Equal(0, result.ReusedPromptTokens);
        Assert.Equal(1, model.GenerationCount);
    }

    [Fact]
    public async Task HealedTextIsGeneratedFirstAndLeftOutOfTheReply()
    {
        // The scripted reply starts with the healed word, as a real model's does once it is made to.
        const string script = "serializedMessage.ProtocolName);";
        using var model = Scripted(script);

        var (result, pieces) = await Stream(model, new GenerationRequest(TestModels.FimPrompt(), 64) { HealedText = "ser" });

        Assert.Equal("ializedMessage.ProtocolName);", result.Text);
        Assert.Equal(result.Text, string.Concat(pieces));
        Assert.Equal(script, model.Decode([.. model.CachedSequence.Skip(result.PromptTokens)]));
    }

    [Fact]
    public async Task TheReplyIsMadeToStartWithTheHealedText()
    {
        using var model = Scripted("foo();");

        var result = await model.GenerateAsync(new GenerationRequest(TestModels.FimPrompt(), 64) { HealedText = "bar" }, CancellationToken.None);

        var generated = model.Decode([.. model.CachedSequence.Skip(result.PromptTokens)]);
        Assert.StartsWith("bar", generated, StringComparison.Ordinal);
        Assert.Equal(generated[3..], result.Text);
    }

    [Fact]
    public async Task AHealedLineBreakDoesNotEndASingleLineReply()
    {
        using var model = Scripted("\n\t\treturn 1;\n\t}");

        var result = await model.GenerateAsync(
            new GenerationRequest(TestModels.FimPrompt(), 64) { HealedText = "\n\t\t", StopStrings = ["\n"] }, CancellationToken.None);

        Assert.Equal("return 1;", result.Text);
        Assert.Equal(StopReason.StopString, result.StopReason);
    }

    [Fact]
    public async Task HealedTextNoTokenSpellsAloneIsAppendedAsItsOwnTokens()
    {
        // Each byte of 中 is a token of its own that decodes to U+FFFD alone, so none agrees with the healed text:
        // the text is appended as the tokenizer encodes it, which is the prompt without healing.
        using var model = Scripted("x;");

        var result = await model.GenerateAsync(new GenerationRequest(TestModels.FimPrompt(), 64) { HealedText = "中" }, CancellationToken.None);

        var generated = model.CachedSequence.Skip(result.PromptTokens).ToArray();
        Assert.Equal(model.Encode("中"), generated[..model.Encode("中").Length]);
        Assert.DoesNotContain("中", result.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EndOfTextIsNotAppendedToTheSequence()
    {
        // GenAI 0.18: on the end-of-text token IsDone() turns true but the token is not appended, so the sequence
        // length, not IsDone alone, tells that the model ended; the reply must not repeat its last token.
        const string script = "a + b";
        using var model = Scripted(script);
        var endOfText = ByteLevelBpeTokenizer.Default.TokenId(ByteLevelBpeTokenizer.EndOfText);

        var result = await model.GenerateAsync(new GenerationRequest(TestModels.FimPrompt(), 64), CancellationToken.None);

        Assert.Equal(script, result.Text);
        Assert.Equal(StopReason.EndOfText, result.StopReason);
        Assert.Equal(result.PromptTokens + result.NewTokens, model.CachedSequence.Count);
        Assert.DoesNotContain(endOfText, model.CachedSequence.Skip(result.PromptTokens));
    }

    [Fact]
    public async Task StreamedPiecesConcatenateToTheResult()
    {
        const string script = "var total = items.Sum(item => item.Price * item.Quantity);";
        using var model = Scripted(script);

        var (result, pieces) = await Stream(model, new GenerationRequest(TestModels.FimPrompt(), 64));

        Assert.True(pieces.Count > 1, "a multi-token reply streams in several pieces");
        Assert.Equal(result.Text, string.Concat(pieces));
        Assert.Equal(script, result.Text);
    }

    [Fact]
    public async Task StreamingNeverSplitsACharacter()
    {
        const string script = "// ünïcødé 日本語 ✓ 🚀\nvar π = 3.14;";
        using var model = Scripted(script);

        var (result, pieces) = await Stream(model, new GenerationRequest(TestModels.FimPrompt(), 64));

        Assert.Equal(script, string.Concat(pieces));
        Assert.Equal(script, result.Text);
        foreach (var piece in pieces)
        {
            Assert.DoesNotContain('\uFFFD', piece);
            Assert.False(char.IsHighSurrogate(piece[^1]), $"piece \"{piece}\" ends in half a surrogate pair");
            Assert.False(char.IsLowSurrogate(piece[0]), $"piece \"{piece}\" starts with half a surrogate pair");
        }
    }

    [Fact]
    public async Task MaxNewTokensCapsTheReply()
    {
        const string script = "int a = 1; int b = 2; int c = 3;";
        using var model = Scripted(script);
        var scriptTokens = ByteLevelBpeTokenizer.Default.Encode(script);

        var result = await model.GenerateAsync(new GenerationRequest(TestModels.FimPrompt(), 3), CancellationToken.None);

        Assert.Equal(StopReason.MaxTokens, result.StopReason);
        Assert.Equal(3, result.NewTokens);
        Assert.Equal(ByteLevelBpeTokenizer.Default.Decode(scriptTokens.Take(3).ToList()), result.Text);
    }

    [Fact]
    public async Task ReplyStopsWhereTheWindowIsFull()
    {
        const string script = "int a = 1; int b = 2; int c = 3;";
        using var model = Scripted(script);
        var fim = TestModels.FimPrompt();
        var prompt = string.Concat(Enumerable.Repeat("<|fim_pad|>", model.Window - 3 - model.CountTokens(fim))) + fim;

        var result = await model.GenerateAsync(new GenerationRequest(prompt, 64), CancellationToken.None);

        Assert.Equal(model.Window - 3, result.PromptTokens);
        Assert.Equal(StopReason.ContextFull, result.StopReason);
        Assert.Equal(3, result.NewTokens);
        Assert.Equal(ByteLevelBpeTokenizer.Default.Decode(ByteLevelBpeTokenizer.Default.Encode(script).Take(3)), result.Text);
    }

    [Fact]
    public async Task DeadlineReturnsWhatWasGeneratedByThen()
    {
        using var model = TestModels.LoadOnCpu(TestModels.Random(_directory));

        var result = await model.GenerateAsync(
            new GenerationRequest(TestModels.LongRunningPrompt, 1500) { Deadline = TimeSpan.FromMilliseconds(20) }, CancellationToken.None);

        Assert.Equal(StopReason.Deadline, result.StopReason);
        Assert.True(result.NewTokens < 1500);
    }

    [Fact]
    public async Task StopStringEndsTheReplyAndIsNeverEmitted()
    {
        using var model = Scripted("int a = 1;\nint b = 2;");

        var (result, pieces) = await Stream(model, new GenerationRequest(TestModels.FimPrompt(), 64) { StopStrings = ["\n"] });

        Assert.Equal("int a = 1;", result.Text);
        Assert.Equal(StopReason.StopString, result.StopReason);
        Assert.Equal(result.Text, string.Concat(pieces));
    }

    [Fact]
    public async Task StopStringSplitAcrossTokensIsNeverEmitted()
    {
        const string script = "int a = 1;\nint b = 2;";
        const string stop = "b = 2";
        Assert.True(ByteLevelBpeTokenizer.Default.Encode(stop).Count > 1, "the stop string must span several tokens for this test to mean anything");
        using var model = Scripted(script);

        var (result, pieces) = await Stream(model, new GenerationRequest(TestModels.FimPrompt(), 64) { StopStrings = [stop] });

        Assert.Equal("int a = 1;\nint ", result.Text);
        Assert.Equal(StopReason.StopString, result.StopReason);
        Assert.Equal(result.Text, string.Concat(pieces));
    }

    [Fact]
    public async Task TextHeldBackForAStopStringThatDidNotComeIsReleased()
    {
        const string script = "int a = 1;\nint b = 2;";
        using var model = Scripted(script);

        var (result, pieces) = await Stream(model, new GenerationRequest(TestModels.FimPrompt(), 64) { StopStrings = ["int c", "2;;"] });

        Assert.Equal(script, result.Text);
        Assert.Equal(StopReason.EndOfText, result.StopReason);
        Assert.Equal(script, string.Concat(pieces));
    }

    [Fact]
    public async Task StopTokenOfTheFormatEndsTheReply()
    {
        using var model = Scripted("first();<|file_sep|>second();");

        var result = await model.GenerateAsync(new GenerationRequest(TestModels.FimPrompt(), 64), CancellationToken.None);

        Assert.Equal("first();", result.Text);
        Assert.Equal(StopReason.StopToken, result.StopReason);
    }

    [Fact]
    public async Task ChatPromptOfTheModelsTemplateGetsTheScript()
    {
        const string script = "return a + b;";
        using var model = Scripted(script);

        var result = await model.GenerateAsync(new GenerationRequest(model.Format.Chat.Build("You write C#.", "Add a and b."), 64), CancellationToken.None);

        Assert.Equal(script, result.Text);
    }

    [Fact]
    public async Task RepeatedBeginOfTextMarkerIsKeptOnce()
    {
        // A template that writes the begin-of-text marker itself while the tokenizer adds one too would double it.
        using var model = Scripted("x");
        var prompt = "<|endoftext|><|endoftext|>" + TestModels.FimPrompt();

        var result = await model.GenerateAsync(new GenerationRequest(prompt, 8), CancellationToken.None);

        Assert.Equal(model.CountTokens(prompt) - 1, result.PromptTokens);
        Assert.Equal("x", result.Text);
    }

    [Fact]
    public async Task PromptLongerThanTheWindowIsRefusedWithTheNumbers()
    {
        using var model = Scripted("x");
        var prompt = string.Concat(Enumerable.Repeat("<|fim_pad|>", model.Window + 1));

        var error = await Assert.ThrowsAsync<ArgumentException>(() => model.GenerateAsync(new GenerationRequest(prompt, 8), CancellationToken.None));

        Assert.Equal($"the prompt has {model.Window + 1} tokens but {model.Name} takes at most {model.Window - 1}; lower the context budget", error.Message);
        Assert.Equal("x", (await model.GenerateAsync(new GenerationRequest(TestModels.FimPrompt(), 8), CancellationToken.None)).Text);
    }

    [Fact]
    public async Task EmptyPromptIsRefused()
    {
        using var model = Scripted("x");

        await Assert.ThrowsAsync<ArgumentException>(() => model.GenerateAsync(new GenerationRequest("", 8), CancellationToken.None));
    }
}
