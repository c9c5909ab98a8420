using System.Security.Cryptography;
using System.Text.Json;

namespace CodeAssist.Inference.Models;

/// <summary>One setting the user allowed when installing a model, with the SHA-256 of the library it loads.</summary>
public sealed record NativeCodeApproval(string Setting, string Value, string? Sha256);

/// <summary>
/// The models directory's manifest (codeassist-manifest.json): for each installed model folder, the settings that load
/// native code or write files which the user confirmed at `codeassist model add`, and the SHA-256 of each library. It
/// lives beside the model folders, not in them, so a model folder cannot bring its own approvals along.
/// </summary>
public sealed class NativeCodeApprovals
{
    public const string ManifestFile = "codeassist-manifest.json";

    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
    };

    private readonly SortedDictionary<string, List<NativeCodeApproval>> _models;

    private NativeCodeApprovals(SortedDictionary<string, List<NativeCodeApproval>> models) => _models = models;

    /// <summary>Reads the manifest of <paramref name="modelsDirectory"/>; none, or one that is not valid, approves nothing.</summary>
    public static NativeCodeApprovals Read(string modelsDirectory)
    {
        var path = Path.Combine(modelsDirectory, ManifestFile);
        try
        {
            if (File.Exists(path) && JsonSerializer.Deserialize<Manifest>(File.ReadAllText(path), Options) is { Models: { } models })
                return new NativeCodeApprovals(new SortedDictionary<string, List<NativeCodeApproval>>(models, StringComparer.Ordinal));
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException or NotSupportedException)
        {
            // An unreadable manifest approves nothing: the models that need it are refused with the reason.
        }
        return new NativeCodeApprovals(new SortedDictionary<string, List<NativeCodeApproval>>(StringComparer.Ordinal));
    }

    public IReadOnlyList<NativeCodeApproval> For(string modelName) => _models.TryGetValue(modelName, out var approvals) ? approvals : [];

    /// <summary>Replaces the approvals of one model (none removes its entry) and writes the manifest in one step.</summary>
    public void Record(string modelsDirectory, string modelName, IReadOnlyList<NativeCodeApproval> approvals)
    {
        if (approvals.Count == 0)
            _models.Remove(modelName);
        else
            _models[modelName] = [.. approvals];
        Directory.CreateDirectory(modelsDirectory);
        var path = Path.Combine(modelsDirectory, ManifestFile);
        var partial = path + ".partial";
        File.WriteAllText(partial, JsonSerializer.Serialize(new Manifest { Models = new Dictionary<string, List<NativeCodeApproval>>(_models) }, Options) + "\n");
        File.Move(partial, path, overwrite: true);
    }

    /// <summary>The lowercase hex SHA-256 of a file.</summary>
    public static string Sha256Of(string file)
    {
        using var stream = File.OpenRead(file);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>
    /// The problems that stop a folder's native-code settings from loading: any such setting outside the models
    /// directory; inside it, a setting not approved at `model add`, a library outside the folder, or one whose SHA-256
    /// changed since.
    /// </summary>
    public static IEnumerable<string> Problems(string folder, IReadOnlyList<NativeCodeSetting> settings, string modelsDirectory)
    {
        if (settings.Count == 0)
            yield break;
        var configFile = ModelFolder.GenAiConfigFile;
        if (!ModelsDirectory.Holds(modelsDirectory, folder))
        {
            foreach (var setting in settings)
                yield return $"{configFile} in {folder} sets {setting.Setting} = \"{setting.Value}\", which {setting.Consequence}; that is refused for a model folder outside the models directory {modelsDirectory}: remove the setting, or install the folder with `codeassist model add {folder}`, which shows the setting and asks you to confirm";
            yield break;
        }
        var name = Path.GetFileName(folder.TrimEnd(Path.DirectorySeparatorChar));
        var approvals = Read(modelsDirectory).For(name);
        foreach (var setting in settings)
        {
            if (setting.LibraryPath is { } outside && !NativeCodeSettings.IsInside(folder, outside))
            {
                yield return $"{configFile} in {folder} sets {setting.Setting} = \"{setting.Value}\", a native library outside the model folder ({outside}); refused: a model may only load a library it carries, remove the setting or put the library in the folder and run `codeassist model add` again";
                continue;
            }
            var approval = approvals.FirstOrDefault(a => a.Setting == setting.Setting && a.Value == setting.Value);
            if (approval is null)
            {
                yield return $"{configFile} in {folder} sets {setting.Setting} = \"{setting.Value}\", which {setting.Consequence}, and it was not approved when the model was installed; run `codeassist model add` on the original folder again to review and confirm it";
                continue;
            }
            if (setting.LibraryPath is not { } library)
                continue;
            if (!File.Exists(library))
                yield return $"the library {library} that {setting.Setting} names is missing in {folder}; copy the model folder again with `codeassist model add`";
            else if (Sha256Of(library) is var now && !string.Equals(now, approval.Sha256, StringComparison.OrdinalIgnoreCase))
                yield return $"the library {library} that {setting.Setting} loads has changed since it was approved (SHA-256 then {approval.Sha256}, now {now}); refused: if you expect the change, run `codeassist model add` on the model's source again to review it";
        }
    }

    private sealed class Manifest
    {
        public Dictionary<string, List<NativeCodeApproval>>? Models { get; set; }
    }
}
