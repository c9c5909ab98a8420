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

    public static string Version { get; } =
        (System.Reflection.CustomAttributeExtensions.GetCustomAttribute<System.Reflection.AssemblyInformationalVersionAttribute>(typeof(Model).Assembly)?.InformationalVersion ?? "unknown").Split('+')[0];
}
