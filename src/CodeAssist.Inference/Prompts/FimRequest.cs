namespace CodeAssist.Inference.Prompts;

/// <summary>A snippet of another file offered to the model as context (signatures, recently edited code).</summary>
public sealed record ContextFile(string Path, string Content);

/// <summary>What a fill-in-the-middle prompt is made of, in editor terms.</summary>
public sealed record FimRequest(string Prefix, string Suffix)
{
    /// <summary>Path of the current file relative to the workspace root, with forward slashes.</summary>
    public string? FilePath { get; init; }

    /// <summary>Workspace (repository) name for formats trained with repository-level prompts.</summary>
    public string? RepositoryName { get; init; }

    /// <summary>Other files' context, most relevant last (it ends up nearest the cursor).</summary>
    public IReadOnlyList<ContextFile> ContextFiles { get; init; } = [];

    /// <summary>Line-comment marker of the current language, for formats that carry context as comments.</summary>
    public string LineComment { get; init; } = "//";
}
