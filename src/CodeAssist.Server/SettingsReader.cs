using System.Text.Json;
using CodeAssist.Engine;

namespace CodeAssist.Server;

/// <summary>
/// Reads <c>codeassist</c> settings from initializationOptions or didChangeConfiguration. Unknown keys are ignored and
/// wrong types keep the previous value, so one bad setting never takes the others down.
/// </summary>
public static class SettingsReader
{
    public static AssistSettings Apply(AssistSettings current, JsonElement? payload, Action<string> warn)
    {
        if (payload is not { ValueKind: JsonValueKind.Object } root)
            return current;
        var section = root.TryGetProperty("codeassist", out var nested) && nested.ValueKind == JsonValueKind.Object ? nested
            : root.TryGetProperty("settings", out var settings) && settings.ValueKind == JsonValueKind.Object
                && settings.TryGetProperty("codeassist", out var inner) ? inner
            : root;

        foreach (var property in section.EnumerateObject())
        {
            var value = property.Value;
            try
            {
                current = property.Name switch
                {
                    "enable" => current with { Enable = value.GetBoolean() },
                    "modelPath" => current with { ModelPath = ValidModelPath(value.GetString()) },
                    "device" => current with { Device = ValidDevice(value.GetString()) },
                    "maxTokens" => current with { MaxTokens = Math.Clamp(value.GetInt32(), 1, 1024) },
                    "multiline" => current with { Multiline = value.GetBoolean() },
                    "compilerCheck" => current with { CompilerCheck = value.GetBoolean() },
                    "candidates" => current with { Candidates = Math.Clamp(value.GetInt32(), 1, 10) },
                    "contextBudget" => current with { ContextBudget = Math.Clamp(value.GetInt32(), 64, 32768) },
                    "backend" => current with { Backend = Inference.Remote.TeamServerSettings.Parse(value) },
                    "generationDeadlineMs" => current with { GenerationDeadline = TimeSpan.FromMilliseconds(Math.Clamp(value.GetInt32(), 100, 600_000)) },
                    _ => current,
                };
            }
            catch (Exception e) when (e is InvalidOperationException or FormatException or ArgumentException)
            {
                warn($"setting codeassist.{property.Name} ignored: {e.Message}");
            }
        }
        return current;
    }

    /// <summary>
    /// Whether initializationOptions say <c>"untrusted": true</c>. Only initialization can say it, and only towards less
    /// trust: a server started with --untrusted stays untrusted whatever the options say.
    /// </summary>
    public static bool AsksUntrusted(JsonElement? initializationOptions) =>
        initializationOptions is { ValueKind: JsonValueKind.Object } options
        && options.TryGetProperty("untrusted", out var untrusted) && untrusted.ValueKind == JsonValueKind.True;

    /// <summary>A model path from settings must be an absolute folder path: nothing relative to an unknown directory, no URLs.</summary>
    private static string? ValidModelPath(string? path)
    {
        if (string.IsNullOrWhiteSpace(path))
            return null;
        if (path.Contains("://", StringComparison.Ordinal))
            throw new ArgumentException($"\"{path}\" is not a folder path; models are never downloaded, copy the folder in and name it");
        var expanded = path.StartsWith('~') ? Path.Join(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path[1..]) : path;
        if (!Path.IsPathFullyQualified(expanded))
            throw new ArgumentException($"\"{path}\" is not an absolute path");
        return Path.GetFullPath(expanded);
    }

    private static string ValidDevice(string? device) =>
        Inference.Devices.DeviceSelection.ParsePreference(device).ToString().ToLowerInvariant();
}
