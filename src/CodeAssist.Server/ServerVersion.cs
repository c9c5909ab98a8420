using System.Reflection;

namespace CodeAssist.Server;

public static class ServerVersion
{
    /// <summary>The informational version without the source revision suffix.</summary>
    public static string Current { get; } =
        (typeof(ServerVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0").Split('+')[0];
}
