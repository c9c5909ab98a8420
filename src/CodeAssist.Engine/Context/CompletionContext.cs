using CodeAssist.Inference.Prompts;

namespace CodeAssist.Engine.Context;

/// <summary>One piece of context that went into a prompt, with what it cost: what `codeassist context` prints.</summary>
public sealed record ContextPiece(string Kind, string Source, string Text, int Tokens);

/// <summary>Everything a completion prompt is built from, before the model family's spelling is applied.</summary>
public sealed record CompletionContext(
    string Prefix,
    string Suffix,
    IReadOnlyList<ContextPiece> Pieces,
    string? RelativePath,
    string? RepositoryName,
    string LineComment)
{
    public FimRequest ToFimRequest() => new(Prefix, Suffix)
    {
        FilePath = RelativePath,
        RepositoryName = RepositoryName,
        LineComment = LineComment,
        // Most relevant last: nearest the cursor in the prompt.
        ContextFiles = [.. Pieces.Where(p => p.Kind is not ("prefix" or "suffix")).Reverse().Select(p => new ContextFile(p.Source, p.Text))],
    };
}
