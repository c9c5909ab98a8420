namespace CodeAssist.Inference.Devices;

/// <summary>What the user asked for: <c>auto</c> tries CUDA and falls back to the CPU, the others insist.</summary>
public enum DevicePreference
{
    Auto,
    Cuda,
    Cpu,
}

public enum ExecutionDevice
{
    Cpu,
    Cuda,
}

/// <summary>The device a model runs on and, in a sentence, why — what `codeassist doctor` and the status bar show.</summary>
public sealed record DeviceSelection(ExecutionDevice Device, string Reason)
{
    public string DisplayName => Device == ExecutionDevice.Cuda ? "GPU (CUDA)" : "CPU";

    public static DevicePreference ParsePreference(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        null or "" or "auto" => DevicePreference.Auto,
        "cuda" or "gpu" => DevicePreference.Cuda,
        "cpu" => DevicePreference.Cpu,
        _ => throw new ArgumentException($"unknown device \"{value}\"; use auto, cuda or cpu"),
    };
}
