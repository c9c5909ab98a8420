namespace CodeAssist.Engine.Hosting;

/// <summary>Where the engine's messages go; the host decides (stderr and window/logMessage when serving, stderr on the command line).</summary>
public interface IEngineLog
{
    void Debug(string message);
    void Info(string message);
    void Warn(string message);
    void Error(string message);
}
