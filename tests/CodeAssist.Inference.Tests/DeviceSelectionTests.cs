using CodeAssist.Inference.Devices;
using CodeAssist.Inference.Models;
using Microsoft.ML.OnnxRuntimeGenAI;

namespace CodeAssist.Inference.Tests;

/// <summary>
/// <c>--device auto|cuda|cpu</c> on this CPU-only machine with the CPU build of GenAI, which refuses the CUDA
/// provider ("Cuda interface not available"). The path where CUDA loads is covered by handing the loader a CUDA
/// attempt that succeeds: the provider is the boundary we do not own.
/// </summary>
public sealed class DeviceSelectionTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly string _model;
    private readonly List<string> _log = [];

    public DeviceSelectionTests()
    {
        _model = TestModels.Scripted(_directory, "x");
    }

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void AutoFallsBackToTheCpuWithOneLineSayingWhy()
    {
        using var model = LanguageModel.Load(_model, DevicePreference.Auto, _log.Add);

        Assert.Equal(ExecutionDevice.Cpu, model.Device.Device);
        var line = Assert.Single(_log);
        Assert.StartsWith("running on the CPU because CUDA cannot be used: this is the CPU build of CodeAssist, which cannot use a GPU", line);
        // GenAI's own words are kept: they name the library that failed to load.
        Assert.Contains("GenAI said: Cuda interface not available", line);
        Assert.StartsWith("CUDA not used: this is the CPU build", model.Device.Reason);
        Assert.Equal("CPU", model.Device.DisplayName);
    }

    [Fact]
    public void ExplicitCudaFailsWithAClearError()
    {
        var error = Assert.Throws<DeviceUnavailableException>(() => LanguageModel.Load(_model, DevicePreference.Cuda, _log.Add));

        Assert.StartsWith("device cuda was requested but CUDA cannot be used: this is the CPU build of CodeAssist", error.Message);
        Assert.EndsWith("use --device auto to fall back to the CPU, or --device cpu", error.Message);
        Assert.IsAssignableFrom<InvalidOperationException>(error);
        Assert.Empty(_log);
    }

    [Fact]
    public void CpuNeverTouchesCuda()
    {
        using var model = LanguageModel.Load(_model, DevicePreference.Cpu, _log.Add,
            (_, _) => throw new InvalidOperationException("--device cpu must not try the CUDA provider"));

        Assert.Equal(new DeviceSelection(ExecutionDevice.Cpu, "CPU requested (--device cpu)"), model.Device);
        Assert.Empty(_log);
    }

    [Theory]
    [InlineData(DevicePreference.Auto, "CUDA available")]
    [InlineData(DevicePreference.Cuda, "CUDA requested and available")]
    public void CudaIsUsedWhenItLoads(DevicePreference preference, string reason)
    {
        using var model = LanguageModel.Load(_model, preference, _log.Add, (path, _) => (new Model(path), ""));

        Assert.Equal(new DeviceSelection(ExecutionDevice.Cuda, reason), model.Device);
        Assert.Equal("GPU (CUDA)", model.Device.DisplayName);
        Assert.Empty(_log);
    }

    [Fact]
    public void ABrokenModelIsReportedAsSuchNotAsACudaProblem()
    {
        File.WriteAllBytes(Path.Combine(_model, "model.onnx"), [0x08, 0x08, 0x3A, 0x04, 0xFF, 0xFF, 0xFF, 0xFF]);

        var error = Assert.Throws<ModelFolderException>(() => LanguageModel.Load(_model, DevicePreference.Auto, _log.Add));

        Assert.Contains("ONNX Runtime could not load model.onnx", error.Message);
        Assert.Empty(_log);
    }

    [Fact]
    public void ProbeExplainsWhyCudaIsNotAvailable()
    {
        var (available, reason) = CudaProbe.Check(_model);

        Assert.False(available);
        Assert.False(CudaProbe.IsCudaBuild);
        Assert.StartsWith("this is the CPU build of CodeAssist", reason);
    }

    [Theory]
    [InlineData(null, DevicePreference.Auto)]
    [InlineData("", DevicePreference.Auto)]
    [InlineData("auto", DevicePreference.Auto)]
    [InlineData(" CUDA ", DevicePreference.Cuda)]
    [InlineData("gpu", DevicePreference.Cuda)]
    [InlineData("cpu", DevicePreference.Cpu)]
    public void ParsePreference(string? value, DevicePreference expected) => Assert.Equal(expected, DeviceSelection.ParsePreference(value));

    [Fact]
    public void UnknownDeviceNamesTheChoices() =>
        Assert.Equal("unknown device \"tpu\"; use auto, cuda or cpu", Assert.Throws<ArgumentException>(() => DeviceSelection.ParsePreference("tpu")).Message);
}
