using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntimeGenAI;

namespace CodeAssist.Inference;

/// <summary>Process-wide GenAI settings, applied once before the first model loads.</summary>
public static class GenAiRuntime
{
    /// <summary>ONNX Runtime's switch for its built-in telemetry client, read from the native environment.</summary>
    public const string DisableOrtTelemetryVariable = "ORT_DISABLE_TELEMETRY";

    private static readonly Lazy<bool> Initialized = new(() =>
    {
        // Nothing may leave the machine. The Linux builds of ONNX Runtime and GenAI carry a 1DS telemetry client that
        // posts to mobile.events.data.microsoft.com (a DNS lookup for it shows up seconds after the first model
        // loads); GenAI's own switch below does not stop ONNX Runtime's, the environment variable does. It must be in
        // the native environment before the libraries are loaded, and .NET's SetEnvironmentVariable does not reach it
        // on Unix, hence setenv.
        Environment.SetEnvironmentVariable(DisableOrtTelemetryVariable, "1");
        if (!OperatingSystem.IsWindows())
            _ = SetNativeEnvironmentVariable(DisableOrtTelemetryVariable, "1", overwrite: 1);
        Utils.DisableTelemetryEvents();
        return true;
    });

    public static void EnsureInitialized() => _ = Initialized.Value;

    /// <summary>
    /// The GenAI package version: the managed assembly's informational version, or, where it carries none (it says
    /// nothing in 0.18), the version this project was built against (GenAiVersion in Directory.Packages.props).
    /// </summary>
    public static string Version { get; } =
        (System.Reflection.CustomAttributeExtensions.GetCustomAttribute<System.Reflection.AssemblyInformationalVersionAttribute>(typeof(Model).Assembly)?.InformationalVersion
            ?? System.Reflection.CustomAttributeExtensions.GetCustomAttributes<System.Reflection.AssemblyMetadataAttribute>(typeof(GenAiRuntime).Assembly)
                .FirstOrDefault(attribute => attribute.Key == "GenAiVersion")?.Value
            ?? "unknown").Split('+')[0];

    [DllImport("libc", EntryPoint = "setenv")]
    private static extern int SetNativeEnvironmentVariable([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);
}
