namespace CodeAssist.Inference.Models;

/// <summary>
/// The user's models directory: <c>models/</c> beside the installed executable (install.sh puts the default model
/// there), or the folder named by CODEASSIST_MODELS_DIR. It is the one place whose model folders the user installed on
/// purpose (`codeassist model add`), so it is where settings that load native code may be approved, and the only place
/// an untrusted workspace may load a model from.
/// </summary>
public static class ModelsDirectory
{
    public const string Variable = "CODEASSIST_MODELS_DIR";

    public static string Current =>
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } configured
            ? Path.GetFullPath(configured)
            : Path.Combine(AppContext.BaseDirectory, "models");

    /// <summary>
    /// Whether <paramref name="folder"/> is a model folder directly inside <paramref name="modelsDirectory"/>. Paths are
    /// compared after resolving "..", so "models/../repo/model" is not inside.
    /// </summary>
    public static bool Holds(string modelsDirectory, string folder)
    {
        var parent = Path.GetDirectoryName(Path.GetFullPath(folder).TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar));
        return parent is not null && string.Equals(
            parent.TrimEnd(Path.DirectorySeparatorChar), Path.GetFullPath(modelsDirectory).TrimEnd(Path.DirectorySeparatorChar), StringComparison.Ordinal);
    }
}
