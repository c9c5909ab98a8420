namespace CodeAssist.Inference;

/// <summary>Messages of ONNX Runtime (GenAI)'s native exceptions, made fit for a one-sentence error.</summary>
internal static class NativeErrors
{
    /// <summary>
    /// The first line, at most 300 characters: native messages can carry a whole stack or a dump of the graph, and the
    /// sentence around them says what to do.
    /// </summary>
    public static string FirstLine(string message)
    {
        var line = message.Split('\n', 2)[0].Trim();
        return line.Length > 300 ? line[..300] + "…" : line;
    }
}
