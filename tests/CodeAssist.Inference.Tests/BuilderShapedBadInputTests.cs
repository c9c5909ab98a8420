using System.Text.Json.Nodes;
using CodeAssist.Inference.Devices;
using CodeAssist.Inference.Models;
using CodeAssist.ModelFactory;
using CodeAssist.ModelFactory.Builder;

namespace CodeAssist.Inference.Tests;

/// <summary>
/// The ways a real model folder arrives broken or built for another machine, each refused with one sentence that
/// names the file and the fix, before or instead of ONNX Runtime's own message.
/// </summary>
public sealed class BuilderShapedBadInputTests : IDisposable
{
    private static readonly DecoderShape Shape = new(Layers: 2, Hidden: 64, Heads: 4, Intermediate: 128, ContextLength: 2048, KeyValueHeads: 2);
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private string Write(BuilderModelOptions options, string name = "model")
    {
        var path = _directory.Combine(name);
        ModelFolderWriter.WriteRandomBuilderShaped(path, Shape, ByteLevelBpeTokenizer.Default, options, seed: 5);
        return path;
    }

    [Fact]
    public void MissingModelOnnxDataIsNamedWithTheFix()
    {
        var path = Write(new BuilderModelOptions(BuilderModelType.Llama));
        File.Delete(Path.Combine(path, "model.onnx.data"));

        var problem = Assert.Single(ModelFolder.Verify(path));
        Assert.Contains("model.onnx.data", problem, StringComparison.Ordinal);
        Assert.Contains("missing", problem, StringComparison.Ordinal);
        var failure = Assert.Throws<ModelFolderException>(() => TestModels.LoadOnCpu(path));
        Assert.Contains("model.onnx.data", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TruncatedModelOnnxDataIsNamed()
    {
        var path = Write(new BuilderModelOptions(BuilderModelType.Llama));
        var data = Path.Combine(path, "model.onnx.data");
        using (var file = new FileStream(data, FileMode.Open))
            file.SetLength(file.Length / 2);

        Assert.Contains(ModelFolder.Verify(path), problem => problem.Contains("truncated", StringComparison.Ordinal));
    }

    [Fact]
    public void VocabularySizeBelowTheTokenizersIdsIsRefused()
    {
        var path = Write(new BuilderModelOptions(BuilderModelType.Qwen2));
        TestModels.EditJson(path, "genai_config.json", json => json["model"]!["vocab_size"] = 500);

        var problem = Assert.Single(ModelFolder.Verify(path));
        Assert.Contains("vocab_size is 500", problem, StringComparison.Ordinal);
        Assert.Contains("tokenizer", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void CudaBuiltFloat16FolderOnAMachineWithoutCudaGetsAClearError()
    {
        var path = Write(new BuilderModelOptions(BuilderModelType.Qwen2) { ExecutionProvider = BuilderExecutionProvider.Cuda });
        Assert.Contains("\"cuda\"", File.ReadAllText(Path.Combine(path, "genai_config.json")), StringComparison.Ordinal);
        Assert.Equal("fp16", ModelFolder.Open(path).Graph?.KvCache?.ElementType);

        var failure = Assert.Throws<ModelFolderException>(() => LanguageModel.Load(path, DevicePreference.Auto));

        Assert.Contains("converted for a GPU", failure.Message, StringComparison.Ordinal);
        Assert.Contains("-p int4 -e cpu", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CpuFolderThatNamesCudaRunsOnTheCpuWithTheReason()
    {
        var path = Write(new BuilderModelOptions(BuilderModelType.Llama));
        TestModels.EditJson(path, "genai_config.json", json =>
            json["model"]!["decoder"]!["session_options"]!["provider_options"] =
                new JsonArray(new JsonObject { ["cuda"] = new JsonObject { ["enable_cuda_graph"] = "0" } }));

        using var model = LanguageModel.Load(path, DevicePreference.Auto);

        Assert.Equal(ExecutionDevice.Cpu, model.Device.Device);
        var result = await model.GenerateAsync(new Generation.GenerationRequest("public class A {", 4), CancellationToken.None);
        Assert.True(result.NewTokens > 0 || result.StopReason == Generation.StopReason.EndOfText);
    }

    [Fact]
    public void ConfigFieldFromANewerBuilderNamesTheBuilderVersion()
    {
        var path = Write(new BuilderModelOptions(BuilderModelType.Llama));
        TestModels.EditJson(path, "genai_config.json", json => json["model"]!["decoder"]!["kv_cache_quantization"] = "int8");

        var failure = Assert.Throws<ModelFolderException>(() => TestModels.LoadOnCpu(path));

        Assert.Contains("newer model builder", failure.Message, StringComparison.Ordinal);
        Assert.Contains("kv_cache_quantization", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OperatorSetNewerThanTheRuntimeNamesTheBuilderVersion()
    {
        var path = Write(new BuilderModelOptions(BuilderModelType.Llama));
        // The opset import is the last field of ModelProto: domain "" (empty) and version 21 → 99.
        var model = Path.Combine(path, "model.onnx");
        var bytes = File.ReadAllBytes(model);
        byte[] opset21 = [0x42, 0x04, 0x0A, 0x00, 0x10, 21];
        var at = bytes.AsSpan().LastIndexOf(opset21);
        Assert.True(at > 0);
        bytes[at + 5] = 99;
        File.WriteAllBytes(model, bytes);

        var failure = Assert.Throws<ModelFolderException>(() => TestModels.LoadOnCpu(path));

        Assert.Contains("ai.onnx 99", failure.Message, StringComparison.Ordinal);
        Assert.Contains("builder matching GenAI", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void VerifyReportsOperatorsQuantizationAndKvLayout()
    {
        var path = Write(new BuilderModelOptions(BuilderModelType.Qwen2));

        var graph = ModelFolder.Open(path).Graph!;

        Assert.True(graph.UsesGroupQueryAttention);
        Assert.Equal(new OnnxQuantization(4, 32, 4, 2 * 5 + 1), graph.Quantization);
        Assert.Equal(new OnnxKvCache("fp32", 2, 16, 2), graph.KvCache);
        Assert.Equal(2, graph.Operators["com.microsoft.GroupQueryAttention"]);
        Assert.Equal(1, graph.Operators["SimplifiedLayerNormalization"]);
        Assert.Equal(4, graph.Operators["com.microsoft.SkipSimplifiedLayerNormalization"]);
        Assert.Equal(21, graph.OperatorSets[""]);
        Assert.Contains("model.onnx.data", graph.ExternalDataBytes.Keys);
        Assert.Contains("shared buffer", graph.Describe(), StringComparison.Ordinal);
    }
}
