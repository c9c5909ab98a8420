namespace CodeAssist.Inference.Remote;

/// <summary>
/// Reads the API key from where the settings say it is. The key itself never passes through settings, logs,
/// status messages or exceptions: errors name the variable or the file, not what is in it.
/// </summary>
public static class ApiKeySource
{
    public static string? Read(TeamServerSettings settings)
    {
        if (settings.ApiKeyEnv is { } variable)
        {
            var value = Environment.GetEnvironmentVariable(variable);
            if (string.IsNullOrWhiteSpace(value))
            {
                throw new ArgumentException($"backend.apiKeyEnv names the environment variable {variable}, but it is not set in the server's environment; " +
                    "set it where the editor starts, or use backend.apiKeyFile");
            }
            return value.Trim();
        }
        if (settings.ApiKeyFile is { } file)
        {
            string text;
            try
            {
                text = File.ReadAllText(file);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new ArgumentException(
                    $"the API key file {file} cannot be read ({e.GetType().Name}); check backend.apiKeyFile and the file's permissions");
            }
            var key = text.Split('\n', 2)[0].Trim();
            if (key.Length == 0)
                throw new ArgumentException($"the API key file {file} is empty");
            return key;
        }
        return null;
    }
}
