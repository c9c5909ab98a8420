using CodeAssist.ModelFactory;
using CodeAssist.ModelFactory.Builder;

namespace CodeAssist.Server.Tests;

/// <summary>
/// The real server process on folders in the shape the GenAI model builder writes (int4 MatMulNBits, GroupQueryAttention
/// over a shared key/value buffer, external data), as a user's downloaded model would be: inline completion over LSP,
/// `model verify` and `doctor` reporting the graph, a refactoring through the chat path, and a broken folder that
/// leaves the server answering.
/// </summary>
public sealed class BuilderShapedServerTests : IDisposable
{
    private const string Program = """
        using System;

        class Program
        {
            static void Main()
            {
                Console.WriteLine(
            }
        }
        """;

    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Builder(BuilderModelType type)
    {
        var path = _temp.Combine($"builder-{type}".ToLowerInvariant());
        var (shape, tokenizer) = type == BuilderModelType.Qwen2
            ? (DecoderShape.QwenTest, ByteLevelBpeTokenizer.QwenCoder)
            : (new DecoderShape(Layers: 2, Hidden: 64, Heads: 4, Intermediate: 128, ContextLength: 2048, KeyValueHeads: 2), ByteLevelBpeTokenizer.Default);
        ModelFolderWriter.WriteRandomBuilderShaped(path, shape, tokenizer, new BuilderModelOptions(type), seed: 11);
        return path;
    }

    [Theory]
    [InlineData(BuilderModelType.Qwen2)]
    [InlineData(BuilderModelType.Llama)]
    public async Task Inline_completion_runs_on_a_builder_shaped_int4_folder_keystroke_after_keystroke(BuilderModelType type)
    {
        await using var client = LspTestClient.Start(["serve", "--model", Builder(type), "--device", "cpu"]);
        await client.InitializeAsync(_temp.Path);
        var path = _temp.WriteFile("Program.cs", Program);
        await client.OpenAsync(path, Program);

        // Two requests on one line: the second prompt extends the first, so the server rewinds the shared buffer.
        foreach (var (version, text, character) in new[] { (1, "", 26), (2, "\"to", 29) })
        {
            if (text.Length > 0)
            {
                await client.NotifyAsync("textDocument/didChange", new
                {
                    textDocument = new { uri = new Uri(path).AbsoluteUri, version },
                    contentChanges = new object[]
                    {
                        new { range = new { start = new { line = 6, character = 26 }, end = new { line = 6, character = 26 } }, text },
                    },
                });
            }
            var response = await client.RequestAsync("textDocument/inlineCompletion", new
            {
                textDocument = new { uri = new Uri(path).AbsoluteUri },
                position = new { line = 6, character },
                context = new { triggerKind = 1 },
            });
            Assert.Null(response["error"]);
            Assert.NotNull(response["result"]!["items"]);
        }
        var context = await client.RequestAsync("codeAssist/context",
            new { textDocument = new { uri = new Uri(path).AbsoluteUri }, position = new { line = 6, character = 29 } });
        // GPT-2's pattern heals "to", Qwen2's (a symbol may lead a word) heals "\"to".
        Assert.EndsWith("to", (string?)context["result"]!["healedText"], StringComparison.Ordinal);
        Assert.Equal(0, await client.ShutdownAndExitAsync());
    }

    /// <summary>
    /// DeepSeek-Coder's shape and tokenizer layout; GenAI 0.18 refuses its real pre-tokenizer, so unless
    /// <paramref name="realPreTokenizer"/> the folder has the variant GenAI reads (DeepSeek's markers, ids and configs).
    /// </summary>
    private string DeepSeekCoder(bool realPreTokenizer = false)
    {
        var path = _temp.Combine(realPreTokenizer ? "deepseek-coder" : "deepseek-coder-genai");
        var tokenizer = realPreTokenizer ? ByteLevelBpeTokenizer.DeepSeekCoder : ByteLevelBpeTokenizer.DeepSeekCoderReadableByGenAi;
        ModelFolderWriter.WriteRandomBuilderShaped(path, DecoderShape.DeepSeekTest, tokenizer,
            new BuilderModelOptions(BuilderModelType.Llama) { RmsNormEpsilon = 1e-6f }, seed: 11);
        return path;
    }

    [Fact]
    public async Task Inline_completion_on_a_DeepSeek_Coder_folder_uses_its_FIM_markers_and_heals_at_its_words()
    {
        await using var client = LspTestClient.Start(["serve", "--model", DeepSeekCoder(), "--device", "cpu"]);
        await client.InitializeAsync(_temp.Path);
        var path = _temp.WriteFile("Program.cs", Program);
        await client.OpenAsync(path, Program);
        await client.NotifyAsync("textDocument/didChange", new
        {
            textDocument = new { uri = new Uri(path).AbsoluteUri, version = 2 },
            contentChanges = new object[]
            {
                new { range = new { start = new { line = 6, character = 26 }, end = new { line = 6, character = 26 } }, text = "12" },
            },
        });

        var response = await client.RequestAsync("textDocument/inlineCompletion", new
        {
            textDocument = new { uri = new Uri(path).AbsoluteUri },
            position = new { line = 6, character = 28 },
            context = new { triggerKind = 1 },
        });
        var context = await client.RequestAsync("codeAssist/context", new
        {
            textDocument = new { uri = new Uri(path).AbsoluteUri },
            position = new { line = 6, character = 28 },
        });

        Assert.Null(response["error"]);
        Assert.NotNull(response["result"]!["items"]);
        var prompt = (string)context["result"]!["prompt"]!;
        Assert.StartsWith("<｜fim▁begin｜>", prompt, StringComparison.Ordinal);
        Assert.Contains("<｜fim▁hole｜>", prompt, StringComparison.Ordinal);
        Assert.EndsWith("<｜fim▁end｜>", prompt, StringComparison.Ordinal);
        // DeepSeek's Digits step makes each digit a word: "(12" heals "2" (GPT-2's words alone would heal "12").
        Assert.Equal("2", (string?)context["result"]!["healedText"]);
        Assert.Equal(0, await client.ShutdownAndExitAsync());
    }

    [Fact]
    public async Task Model_verify_reports_a_DeepSeek_Coder_folder_as_the_builder_writes_it()
    {
        var result = await LspTestClient.RunCliAsync(["model", "verify", DeepSeekCoder()]);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("ok (llama, context 16384, vocabulary 32256, FIM deepseek", result.Stdout, StringComparison.Ordinal);
        const string healing = "token healing: at the last word of tokenizer.json's pre-tokenizer (Digits (each digit), ByteLevel)";
        Assert.Contains(healing, result.Stdout, StringComparison.Ordinal);
        Assert.Contains("4-bit MatMulNBits (block 32, accuracy level 4)", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("shared buffer (GroupQueryAttention)", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Model_verify_says_why_a_DeepSeek_Coder_folder_with_its_real_pre_tokenizer_cannot_run()
    {
        var result = await LspTestClient.RunCliAsync(["model", "verify", DeepSeekCoder(realPreTokenizer: true)]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(@"splits words with the pattern \s?\p{L}+ (DeepSeek-Coder's pre-tokenizer)", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("cannot run with this runtime", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Model_verify_reports_the_graphs_operators_quantization_and_kv_layout()
    {
        var result = await LspTestClient.RunCliAsync(["model", "verify", Builder(BuilderModelType.Qwen2)]);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("qwen2", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("vocabulary 151936", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("4-bit MatMulNBits (block 32, accuracy level 4) x11", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("KV cache fp32 [batch, 1 heads, sequence, 16] x2 layers, shared buffer (GroupQueryAttention)", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("SkipSimplifiedLayerNormalization x4", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("model.onnx.data", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Doctor_loads_a_builder_shaped_folder_and_shows_its_graph()
    {
        var result = await LspTestClient.RunCliAsync(["doctor", "--model", Builder(BuilderModelType.Llama), "--device", "cpu"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("GroupQueryAttention", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("4-bit MatMulNBits", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("test generation", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refactoring_goes_through_the_chat_path_of_a_builder_shaped_folder_without_crashing()
    {
        _temp.WriteFile("Shop/Shop.csproj",
            "<Project Sdk=\"Microsoft.NET.Sdk\"><PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup></Project>");
        var path = _temp.WriteFile("Shop/Order.cs", "public class Order\n{\n    public int Twice(int x) => x * 2;\n}\n");

        var result = await LspTestClient.RunCliAsync(
            ["refactor", path, "--line", "3", "--column", "16", "--action", "document", "--model", Builder(BuilderModelType.Qwen2), "--device", "cpu"]);

        // Random weights write no usable documentation: the edit is refused with a reason, never a crash.
        Assert.True(result.ExitCode is 0 or 1, result.Stderr);
        Assert.DoesNotContain("Unhandled exception", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_folder_without_its_model_onnx_data_is_reported_and_the_server_keeps_serving()
    {
        var model = Builder(BuilderModelType.Llama);
        File.Delete(Path.Combine(model, "model.onnx.data"));
        await using var client = LspTestClient.Start(["serve", "--model", model, "--device", "cpu"]);
        await client.InitializeAsync(_temp.Path);
        var path = _temp.WriteFile("Program.cs", Program);
        await client.OpenAsync(path, Program);

        var completion = await client.RequestAsync("textDocument/inlineCompletion", new
        {
            textDocument = new { uri = new Uri(path).AbsoluteUri },
            position = new { line = 6, character = 26 },
            context = new { triggerKind = 1 },
        });
        var doctor = await client.RequestAsync("codeAssist/doctor", new { });

        Assert.True(completion["error"] is not null || completion["result"] is not null);
        Assert.Contains("model.onnx.data", doctor.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal(0, await client.ShutdownAndExitAsync());
    }
}
