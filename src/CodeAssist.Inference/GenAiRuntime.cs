using Microsoft.ML.OnnxRuntimeGenAI;

namespace CodeAssist.Inference;

/// <summary>Process-wide GenAI settings, applied once before the first model loads.</summary>
public static class GenAiRuntime
{
    private static readonly Lazy<bool> Initialized = new(() =>
    {
        // Nothing may leave the machine: GenAI's own telemetry events stay off.
        Utils.DisableTelemetryEvents();
        return true;
    });

    public static void EnsureInitialized() => _ = Initialized.Value;

    /// <summary>The GenAI package version this build references (its assembly carries no version of its own).</summary>
    public static string Version { get; } =
        typeof(GenAiRuntime).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
            .Cast<System.Reflection.AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "GenAiVersion")?.Value ?? "unknown";
}
