namespace CodeAssist.Engine.Models;

/// <summary>
/// The installed models, in the user's <see cref="Inference.Models.ModelsDirectory"/>. Nothing here ever downloads anything.
/// </summary>
public static class ModelCatalog
{
    public const string DefaultModelName = "codeassist-tiny";
    public const string DirectoryVariable = Inference.Models.ModelsDirectory.Variable;

    public static string ModelsDirectory => Inference.Models.ModelsDirectory.Current;

    /// <summary>Installed model folders (those with a genai_config.json, or a codeassist.json naming a team server), by name.</summary>
    public static IReadOnlyList<string> Installed() =>
        Directory.Exists(ModelsDirectory)
            ? [.. Directory.EnumerateDirectories(ModelsDirectory)
                .Where(d => Inference.Models.ModelFolder.HasWeights(d) || File.Exists(Path.Combine(d, Inference.Models.ModelFolder.SettingsFile)))
                .Order(StringComparer.Ordinal)]
            : [];

    /// <summary>The model to use when none is configured: the default model if installed, else the only one installed.</summary>
    public static string ResolveDefault()
    {
        var installed = Installed();
        var preferred = installed.FirstOrDefault(d => Path.GetFileName(d) == DefaultModelName)
            ?? (installed.Count == 1 ? installed[0] : null);
        return preferred ?? throw new FileNotFoundException(
            $"no model is installed in {ModelsDirectory}; run ./install.sh, or pass --model DIR (a GenAI model folder)");
    }
}
