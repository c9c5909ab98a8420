using Microsoft.ML.OnnxRuntimeGenAI;

namespace CodeAssist.Inference.Devices;

/// <summary>
/// Creates the GenAI model on the chosen execution provider. GenAI has no automatic fallback: with the CPU build,
/// or without the CUDA libraries, <c>new Model</c> throws once the CUDA provider is appended, so the fallback to
/// the CPU is ours — and so is saying why, because "the GPU is not used" is the first thing users ask about.
/// </summary>
internal static class ModelLoader
{
    /// <summary>Whether this build carries the CUDA variant of GenAI (built with -p:Accelerator=cuda).</summary>
    public static bool IsCudaBuild =>
#if CODEASSIST_CUDA
        true;
#else
        false;
#endif

    public static (Model Model, DeviceSelection Device) Load(string path, DevicePreference preference, Action<string> log, string? overlay = null) =>
        Load(path, preference, log, TryLoadCuda, overlay);

    /// <summary>
    /// The selection logic, with the CUDA attempt passed in: tests hand in a recording attempt to prove that
    /// <c>cpu</c> never tries CUDA, and a succeeding one to cover the path this CPU-only machine cannot take.
    /// <paramref name="overlay"/> is JSON laid over genai_config.json (a draft model's decoder) for either device.
    /// </summary>
    internal static (Model Model, DeviceSelection Device) Load(string path, DevicePreference preference, Action<string> log,
        Func<string, string?, (Model? Model, string Failure)> tryLoadCuda, string? overlay = null)
    {
        if (preference == DevicePreference.Cpu)
            return (LoadCpu(path, overlay), new DeviceSelection(ExecutionDevice.Cpu, "CPU requested (--device cpu)"));

        var (model, failure) = tryLoadCuda(path, overlay);
        if (model is not null)
            return (model, new DeviceSelection(ExecutionDevice.Cuda, preference == DevicePreference.Cuda ? "CUDA requested and available" : "CUDA available"));
        if (preference == DevicePreference.Cuda)
        {
            throw new DeviceUnavailableException(
                $"device cuda was requested but CUDA cannot be used: {failure}; use --device auto to fall back to the CPU, or --device cpu");
        }

        // The CPU load comes first so that a broken model is reported as such, not after a line about CUDA.
        var cpu = LoadCpu(path, overlay);
        log($"running on the CPU because CUDA cannot be used: {failure}");
        return (cpu, new DeviceSelection(ExecutionDevice.Cpu, $"CUDA not used: {failure}"));
    }

    /// <summary>Tries the CUDA execution provider; returns the exact reason when it cannot be used.</summary>
    public static (Model? Model, string Failure) TryLoadCuda(string path, string? overlay)
    {
        try
        {
            using var config = new Config(path);
            if (overlay is not null)
                config.Overlay(overlay);
            config.ClearProviders();
            config.AppendProvider("cuda");
            return (new Model(config), "");
        }
        catch (OnnxRuntimeGenAIException e)
        {
            var said = NativeErrors.FirstLine(e.Message);
            return (null, IsCudaBuild
                ? $"{said} (the CUDA build needs an NVIDIA driver, CUDA 12.x and cuDNN 9.x on the library path; see models/README.md)"
                : "this is the CPU build of CodeAssist, which cannot use a GPU; install the CUDA build for that (./install.sh --gpu, see models/README.md). " +
                  $"GenAI said: {said}");
        }
    }

    private static Model LoadCpu(string path, string? overlay)
    {
        using var config = new Config(path);
        if (overlay is not null)
            config.Overlay(overlay);
        config.ClearProviders();
        return new Model(config);
    }
}

/// <summary>The device the user insisted on cannot be used; the message says why and what to do.</summary>
public sealed class DeviceUnavailableException(string message) : InvalidOperationException(message);
