using System.Text.Json;

namespace CodeAssist.Inference.Models;

/// <summary>What a genai_config.json setting makes ONNX Runtime do beyond running the graph.</summary>
public enum NativeCodeEffect
{
    /// <summary>Loads a shared library into our process: its code runs with the user's rights.</summary>
    LoadsLibrary,

    /// <summary>Makes ONNX Runtime write files (profiles, compiled caches, dumps) wherever the setting says.</summary>
    WritesFiles,
}

/// <summary>One setting of a model folder that loads native code or writes files, with where it sits in the JSON.</summary>
public sealed record NativeCodeSetting(string Setting, string Value, NativeCodeEffect Effect, string? LibraryPath)
{
    /// <summary>"loads the native library /m/libx.so into CodeAssist" or "makes ONNX Runtime write files".</summary>
    public string Consequence => Effect == NativeCodeEffect.LoadsLibrary
        ? $"loads the native library {LibraryPath} into CodeAssist (its code runs with your rights)"
        : "makes ONNX Runtime write files on this machine";
}

/// <summary>
/// Finds every setting of a genai_config.json that loads native code or writes files. GenAI hands each
/// <c>session_options</c> object (of the decoder, a pipeline stage, an encoder, a vision or speech model, a draft head)
/// to ONNX Runtime: <c>custom_ops_library</c> is loaded with dlopen, <c>enable_profiling</c> writes a profile, every
/// unknown key becomes a session config entry (some name files: <c>ep.context_file_path</c>, optimized-model and
/// external-initializer files), and <c>provider_options</c> reach execution providers, several of which take library
/// or cache paths (QNN's <c>backend_path</c>, OpenVINO's <c>cache_dir</c>, TensorRT's engine caches and plugins).
/// <c>run_options</c> become run config entries. The whole document is walked, so a section GenAI adds later is
/// covered too; a key is flagged by what its name says (path, file, dir, library, cache, dump, profile, plugin,
/// ep.context) or by a value naming a shared library, because being strict costs a confirmation while being lenient
/// costs the machine.
/// </summary>
public static class NativeCodeSettings
{
    private static readonly string[] RiskyNameParts = ["path", "file", "dir", "librar", "lib_", "_lib", "cache", "dump", "profil", "plugin", "ep.context", "backend"];
    private static readonly string[] LibrarySuffixes = [".so", ".dll", ".dylib"];

    /// <summary>The settings of <paramref name="genaiConfig"/> (the whole document) that load native code or write files.</summary>
    public static IReadOnlyList<NativeCodeSetting> Find(JsonElement genaiConfig, string modelFolder)
    {
        var found = new List<NativeCodeSetting>();
        Walk(genaiConfig, "", Path.GetFullPath(modelFolder), found);
        return found;
    }

    /// <summary>Reads genai_config.json in <paramref name="modelFolder"/>; an unreadable file has none (<see cref="ModelFolder"/> reports it).</summary>
    public static IReadOnlyList<NativeCodeSetting> Find(string modelFolder)
    {
        try
        {
            using var config = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(modelFolder, ModelFolder.GenAiConfigFile)));
            return Find(config.RootElement, modelFolder);
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    private static void Walk(JsonElement element, string path, string folder, List<NativeCodeSetting> found)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in element.EnumerateObject())
            {
                var childPath = path.Length == 0 ? property.Name : $"{path}.{property.Name}";
                if (property.Name is "session_options" or "run_options" && property.Value.ValueKind == JsonValueKind.Object)
                    InspectOptions(property.Value, childPath, folder, found);
                else
                    Walk(property.Value, childPath, folder, found);
            }
        }
        else if (element.ValueKind == JsonValueKind.Array)
        {
            var i = 0;
            foreach (var item in element.EnumerateArray())
                Walk(item, $"{path}[{i++}]", folder, found);
        }
    }

    private static void InspectOptions(JsonElement options, string path, string folder, List<NativeCodeSetting> found)
    {
        foreach (var property in options.EnumerateObject())
        {
            var setting = $"{path}.{property.Name}";
            var value = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString()! : property.Value.GetRawText();
            if (property.Name == "custom_ops_library")
                found.Add(new NativeCodeSetting(setting, value, NativeCodeEffect.LoadsLibrary, Resolve(folder, value)));
            else if (property.Name == "enable_profiling")
                found.Add(new NativeCodeSetting(setting, value, NativeCodeEffect.WritesFiles, null));
            else if (property.Name == "provider_options" && property.Value.ValueKind == JsonValueKind.Array)
                InspectProviderOptions(property.Value, setting, folder, found);
            else if (property.Value.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
                InspectNested(property.Value, setting, folder, found);
            else
                InspectEntry(property.Name, value, setting, folder, found);
        }
    }

    private static void InspectProviderOptions(JsonElement providers, string path, string folder, List<NativeCodeSetting> found)
    {
        var i = 0;
        foreach (var provider in providers.EnumerateArray())
        {
            InspectNested(provider, $"{path}[{i}]", folder, found);
            i++;
        }
    }

    /// <summary>Any object below the options (a provider's options, device filters): every leaf is looked at.</summary>
    private static void InspectNested(JsonElement element, string path, string folder, List<NativeCodeSetting> found)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in element.EnumerateObject())
            {
                var setting = $"{path}.{property.Name}";
                if (property.Value.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
                    InspectNested(property.Value, setting, folder, found);
                else
                    InspectEntry(property.Name, property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString()! : property.Value.GetRawText(), setting, folder, found);
            }
        }
        else if (element.ValueKind == JsonValueKind.Array)
        {
            var i = 0;
            foreach (var item in element.EnumerateArray())
                InspectNested(item, $"{path}[{i++}]", folder, found);
        }
    }

    private static void InspectEntry(string name, string value, string setting, string folder, List<NativeCodeSetting> found)
    {
        var lowerName = name.ToLowerInvariant();
        var namesLibrary = LooksLikeLibrary(value) || lowerName.Contains("librar", StringComparison.Ordinal) || lowerName.Contains("backend", StringComparison.Ordinal)
            || lowerName.Contains("plugin", StringComparison.Ordinal);
        if (namesLibrary && value.Length > 0)
            found.Add(new NativeCodeSetting(setting, value, NativeCodeEffect.LoadsLibrary, Resolve(folder, value)));
        else if (RiskyNameParts.Any(part => lowerName.Contains(part, StringComparison.Ordinal)))
            found.Add(new NativeCodeSetting(setting, value, NativeCodeEffect.WritesFiles, null));
    }

    private static bool LooksLikeLibrary(string value)
    {
        var file = Path.GetFileName(value).ToLowerInvariant();
        return LibrarySuffixes.Any(suffix => file.EndsWith(suffix, StringComparison.Ordinal) || file.Contains(suffix + ".", StringComparison.Ordinal));
    }

    /// <summary>GenAI resolves a relative library path against the model folder; an absolute one stays as it is.</summary>
    private static string Resolve(string folder, string value) => Path.GetFullPath(Path.IsPathRooted(value) ? value : Path.Combine(folder, value));

    /// <summary>Whether <paramref name="file"/> lies inside <paramref name="folder"/> (after resolving "..").</summary>
    public static bool IsInside(string folder, string file)
    {
        var root = Path.GetFullPath(folder).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
        return Path.GetFullPath(file).StartsWith(root, StringComparison.Ordinal);
    }
}
