using CodeAssist.Inference.Prompts;

namespace CodeAssist.Engine.Context;

/// <summary>One piece of context that went into a prompt, with what it cost: what `codeassist context` prints.</summary>
public sealed record ContextPiece(string Kind, string Source, string Text, int Tokens)
{
    /// <summary>Before the file, or as comment lines above the cursor's line (its <see cref="Text"/> already is those lines).</summary>
    public ContextPlacement Placement { get; init; }
}

/// <summary>Everything a completion prompt is built from, before the model family's spelling is applied.</summary>
public sealed record CompletionContext(
    string Prefix,
    string Suffix,
    IReadOnlyList<ContextPiece> Pieces,
    string? RelativePath,
    string? RepositoryName,
    string LineComment)
{
    /// <summary>The request with the whole prefix window.</summary>
    public FimRequest ToFimRequest() => ToFimRequest(Prefix);

    /// <summary>
    /// The request for <paramref name="prefix"/> (the window, or the part token healing keeps): stable pieces first as
    /// other files, then the file, with the pieces that depend on the token at the cursor as comment lines just above
    /// the cursor's line. A keystroke that brings or drops a member list then changes the prompt only from that line
    /// on, and every engine's prefix cache keeps the rest (the order is decided here, for the local model and every
    /// team server alike).
    /// </summary>
    public FimRequest ToFimRequest(string prefix) => new(WithPiecesAboveCursorLine(prefix), Suffix)
    {
        FilePath = RelativePath,
        RepositoryName = RepositoryName,
        LineComment = LineComment,
        // Most relevant last: nearest the cursor in the prompt.
        ContextFiles = [.. Placed(ContextPlacement.BeforeFile).Select(p => new ContextFile(p.Source, p.Text))],
    };

    private string WithPiecesAboveCursorLine(string prefix)
    {
        var above = Placed(ContextPlacement.AboveCursorLine).ToList();
        if (above.Count == 0)
            return prefix;
        var lineStart = prefix.LastIndexOf('\n') + 1;
        var newline = prefix.Contains("\r\n", StringComparison.Ordinal) ? "\r\n" : "\n";
        var lines = new System.Text.StringBuilder(prefix, 0, lineStart, prefix.Length + above.Sum(p => p.Text.Length + 2));
        foreach (var piece in above)
            lines.Append(newline == "\n" ? piece.Text : piece.Text.Replace("\n", newline, StringComparison.Ordinal)).Append(newline);
        return lines.Append(prefix, lineStart, prefix.Length - lineStart).ToString();
    }

    /// <summary>The context pieces (not the windows) placed so, most relevant last.</summary>
    private IEnumerable<ContextPiece> Placed(ContextPlacement placement) =>
        Pieces.Where(p => p.Kind is not ("prefix" or "suffix") && p.Placement == placement).Reverse();
}
