using Microsoft.ML.OnnxRuntimeGenAI;

namespace CodeAssist.Inference.Devices;

/// <summary>
/// Creates the GenAI model on the chosen execution provider. GenAI has no automatic fallback: appending the
/// CUDA provider without the CUDA build throws at <c>new Model</c>, so the fallback to the CPU is ours.
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

    public static (Model Model, DeviceSelection Device) Load(string path, DevicePreference preference, Action<string> log)
    {
        if (preference != DevicePreference.Cpu)
        {
            var (model, failure) = TryLoadCuda(path);
            if (model is not null)
                return (model, new DeviceSelection(ExecutionDevice.Cuda, preference == DevicePreference.Cuda ? "CUDA requested and available" : "CUDA available"));
            if (preference == DevicePreference.Cuda)
                throw new InvalidOperationException($"device cuda was requested but CUDA cannot be used: {failure}");
            log($"CUDA not used, running on the CPU: {failure}");
            return (LoadCpu(path), new DeviceSelection(ExecutionDevice.Cpu, $"CUDA not used: {failure}"));
        }

        return (LoadCpu(path), new DeviceSelection(ExecutionDevice.Cpu, "CPU requested"));
    }

    /// <summary>Tries the CUDA execution provider; returns the exact reason when it cannot be used.</summary>
    public static (Model? Model, string Failure) TryLoadCuda(string path)
    {
        using var config = new Config(path);
        config.ClearProviders();
        config.AppendProvider("cuda");
        try
        {
            return (new Model(config), "");
        }
        catch (OnnxRuntimeGenAIException e)
        {
            var reason = FirstLine(e.Message);
            if (!IsCudaBuild)
                reason = $"this is the CPU build of CodeAssist (reinstall with --gpu for the CUDA build); GenAI said: {reason}";
            return (null, reason);
        }
    }

    private static Model LoadCpu(string path)
    {
        using var config = new Config(path);
        config.ClearProviders();
        return new Model(config);
    }

    private static string FirstLine(string message)
    {
        var line = message.Split('\n', 2)[0].Trim();
        return line.Length > 300 ? line[..300] + "…" : line;
    }
}
