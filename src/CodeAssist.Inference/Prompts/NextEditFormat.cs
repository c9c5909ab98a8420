using System.Text;

namespace CodeAssist.Inference.Prompts;

/// <summary>A recent edit of one file, for a next-edit prompt: its unified diff and the lines it removed and added.</summary>
public sealed record EditDiff(string Path, string Unified)
{
    /// <summary>The diff's removed lines (without the '-'), what Sweep's "original:" section shows.</summary>
    public string Removed => Lines('-');

    /// <summary>The diff's added lines (without the '+'), what Sweep's "updated:" section shows.</summary>
    public string Added => Lines('+');

    private string Lines(char mark) => string.Concat(Unified.Split('\n')
        .Where(l => l.Length > 0 && l[0] == mark && !l.StartsWith("---", StringComparison.Ordinal) && !l.StartsWith("+++", StringComparison.Ordinal))
        .Select(l => l[1..] + "\n"));
}

/// <summary>
/// What a next-edit prompt is made of, in editor terms: the excerpt of the file around the place to edit, split into
/// the text before the editable region, the region (whole lines) and the text after it; the cursor's offset in the
/// region; the recent edits, oldest first; and the compiler's context for the place (signatures, declarations).
/// </summary>
public sealed record NextEditRequest(string FilePath, string Before, string Region, string After, int CursorInRegion)
{
    /// <summary>Whether <see cref="Before"/> starts at the beginning of the file (Zeta marks it).</summary>
    public bool StartsFile { get; init; }

    /// <summary>The region's first line, 1-based (Sweep's block headers name it).</summary>
    public int RegionStartLine { get; init; } = 1;

    /// <summary>The region as it was before the recent edits (Sweep's "original/" block); the region itself when it did not change.</summary>
    public string? RegionBeforeEdits { get; init; }

    public IReadOnlyList<EditDiff> RecentEdits { get; init; } = [];

    public IReadOnlyList<ContextFile> ContextFiles { get; init; } = [];

    public string RegionWithCursor(string marker) => Region.Insert(Math.Clamp(CursorInRegion, 0, Region.Length), marker);
}

/// <summary>How a next-edit prompt is laid out; the published formats differ in shape, not only in spelling.</summary>
public enum NextEditLayout
{
    /// <summary>Zed's Zeta: an instruction, the edits as diff blocks, the excerpt with editable-region markers, "### Response:".</summary>
    InstructionExcerpt,

    /// <summary>Sweep's next-edit models: <c>&lt;|file_sep|&gt;</c> blocks, ending with original/, current/ and an open updated/ block.</summary>
    FileBlocks,

    /// <summary>Continue's Instinct: a chat (system and user turns) with context, edits and the marked excerpt.</summary>
    ChatExcerpt,

    /// <summary>Any FIM model: the region is the middle to fill, between the text before and after it.</summary>
    FillInTheMiddle,
}

/// <summary>
/// A next-edit model's prompt format as data: the layout, its markers and headings, and how the reply gives the new
/// region. Zeta (zed-industries/zeta), Sweep (sweepai/sweep-next-edit) and Instinct (continuedev/instinct) are all
/// Qwen2.5-Coder fine-tunes a user can convert with GenAI's model builder; their markers are plain text to Qwen's
/// tokenizer, so the format is named in codeassist.json (<c>nextEditFormat</c>) rather than detected. Plain FIM
/// models get <see cref="FillInTheMiddle"/>: the region is the middle.
/// </summary>
public sealed record NextEditFormat(string Id, NextEditLayout Layout)
{
    public string RegionStart { get; init; } = "<|editable_region_start|>";
    public string RegionEnd { get; init; } = "<|editable_region_end|>";
    public string Cursor { get; init; } = "<|user_cursor_is_here|>";
    public string? StartOfFile { get; init; }
    public string? Instruction { get; init; }
    public string FileSeparator { get; init; } = "<|file_sep|>";
    public IReadOnlyList<string> StopStrings { get; init; } = [];

    /// <summary>
    /// Zeta's prompt (the zeta dataset's instruction and sections): the edits as <c>User edited "path":</c> diff blocks,
    /// the excerpt in a fence named by its path with the region between markers; the reply repeats the excerpt with
    /// the region rewritten.
    /// </summary>
    public static readonly NextEditFormat Zeta = new("zeta", NextEditLayout.InstructionExcerpt)
    {
        StartOfFile = "<|start_of_file|>",
        Instruction = "You are a code completion assistant and your task is to analyze user edits and then rewrite an excerpt that the user provides, " +
                      "suggesting the appropriate edits within the excerpt, taking into account the cursor location.",
        StopStrings = ["<|editable_region_end|>"],
    };

    /// <summary>
    /// Sweep's prompt (model card): the file, the context files and each recent edit as <c>&lt;|file_sep|&gt;</c>
    /// blocks (an edit as "original:"/"updated:"), then the region as it was, as it is with <c>&lt;|cursor|&gt;</c>,
    /// and an open "updated/" block that the reply fills.
    /// </summary>
    public static readonly NextEditFormat Sweep = new("sweep", NextEditLayout.FileBlocks)
    {
        Cursor = "<|cursor|>",
        StopStrings = ["<|file_sep|>", "<|endoftext|>"],
    };

    /// <summary>
    /// Instinct's prompt (Continue's next-edit templates): a system turn saying the task and the markers, a user turn
    /// with "### Context:" (<c>&lt;|context_file|&gt;</c> path <c>&lt;|snippet|&gt;</c> content), "### User Edits:"
    /// (most recent first) and "### User Excerpt:"; the reply is the region alone.
    /// </summary>
    public static readonly NextEditFormat Instinct = new("instinct", NextEditLayout.ChatExcerpt)
    {
        Instruction = "You predict the next edit a developer makes inside the code between <|editable_region_start|> and <|editable_region_end|>. " +
                      "### Context holds snippets of related files (<|context_file|> path, <|snippet|>, content); " +
                      "### User Edits the developer's recent changes as unified diffs, most recent first; " +
                      "### User Excerpt the current file's path and an excerpt whose editable region you rewrite. " +
                      "<|user_cursor_is_here|> marks the cursor: do not write it. " +
                      "Reply with only the rewritten editable region, without the markers; keep the developer's indentation and do not undo their last change.",
    };

    /// <summary>A plain FIM model: the region is the middle between the text before and after it (the broken span filled).</summary>
    public static readonly NextEditFormat FillInTheMiddle = new("fim", NextEditLayout.FillInTheMiddle);

    public static readonly IReadOnlyList<NextEditFormat> All = [Zeta, Sweep, Instinct, FillInTheMiddle];

    /// <summary>The format codeassist.json names (null: FIM); adds a sentence to <paramref name="problems"/> for an unknown id.</summary>
    public static NextEditFormat Choose(string? id, ICollection<string> problems)
    {
        if (id is null)
            return FillInTheMiddle;
        if (All.FirstOrDefault(f => f.Id == id) is { } format)
            return format;
        problems.Add($"nextEditFormat \"{id}\" is unknown (known: {string.Join(", ", All.Select(f => f.Id))}); " +
            "correct it, or remove it to fill the region with the model's FIM format");
        return FillInTheMiddle;
    }

    /// <summary>The prompt for <paramref name="request"/>; <paramref name="model"/> spells FIM and chat turns.</summary>
    public string Build(NextEditRequest request, PromptFormat model) => Layout switch
    {
        NextEditLayout.InstructionExcerpt => BuildZeta(request),
        NextEditLayout.FileBlocks => BuildSweep(request),
        NextEditLayout.ChatExcerpt => model.Chat.Build(Instruction!, InstinctUserTurn(request)),
        _ => model.BuildCompletion(new FimRequest(request.Before, request.After)
        {
            FilePath = request.FilePath,
            // The edits are context like other files; the most relevant (the latest edit) last, nearest the middle.
            ContextFiles = [.. request.ContextFiles, .. request.RecentEdits.Select(e => new ContextFile(e.Path + ".diff", e.Unified.TrimEnd('\n')))],
        }),
    };

    /// <summary>The new region from a reply, or null when the reply does not have the shape the format promises.</summary>
    public string? ParseRegion(string reply, NextEditRequest request)
    {
        switch (Layout)
        {
            case NextEditLayout.InstructionExcerpt:
            {
                // The reply repeats the excerpt: the region is between the markers (the end marker may be the stop string).
                var start = reply.IndexOf(RegionStart, StringComparison.Ordinal);
                if (start < 0)
                    return null;
                var region = reply[(start + RegionStart.Length)..];
                region = region.StartsWith('\n') ? region[1..] : region;
                var end = region.IndexOf(RegionEnd, StringComparison.Ordinal);
                return (end >= 0 ? region[..end] : region).Replace(Cursor, "", StringComparison.Ordinal);
            }
            case NextEditLayout.FileBlocks:
            {
                var end = reply.IndexOf(FileSeparator, StringComparison.Ordinal);
                var region = (end >= 0 ? reply[..end] : reply).Replace(Cursor, "", StringComparison.Ordinal);
                return WithFinalNewline(region, request.Region);
            }
            case NextEditLayout.ChatExcerpt:
            {
                var region = StripFence(reply).Replace(Cursor, "", StringComparison.Ordinal).Replace(RegionStart + "\n", "", StringComparison.Ordinal)
                    .Replace(RegionStart, "", StringComparison.Ordinal).Replace(RegionEnd, "", StringComparison.Ordinal);
                return WithFinalNewline(region, request.Region);
            }
            default:
                return reply;
        }
    }

    private string BuildZeta(NextEditRequest request)
    {
        var prompt = new StringBuilder();
        prompt.Append("### Instruction:\n").Append(Instruction).Append("\n\n### User Edits:\n\n");
        foreach (var edit in request.RecentEdits)
        {
            prompt.Append("User edited \"").Append(edit.Path).Append("\":\n```diff\n")
                .Append(edit.Unified).Append(edit.Unified.EndsWith('\n') ? "" : "\n").Append("```\n\n");
        }
        prompt.Append("### User Excerpt:\n\n```").Append(request.FilePath).Append('\n');
        if (request.StartsFile && StartOfFile is not null)
            prompt.Append(StartOfFile).Append('\n');
        prompt.Append(request.Before).Append(RegionStart).Append('\n').Append(request.RegionWithCursor(Cursor));
        prompt.Append(request.Region.EndsWith('\n') ? "" : "\n").Append(RegionEnd).Append('\n').Append(request.After);
        prompt.Append(request.After.EndsWith('\n') || request.After.Length == 0 ? "" : "\n").Append("```\n\n### Response:\n");
        return prompt.ToString();
    }

    private string BuildSweep(NextEditRequest request)
    {
        var prompt = new StringBuilder();
        var lines = request.Region.Count(c => c == '\n') + (request.Region.EndsWith('\n') ? 0 : 1);
        var range = $"{request.RegionStartLine}:{request.RegionStartLine + Math.Max(lines, 1) - 1}";
        prompt.Append(FileSeparator).Append(request.FilePath).Append('\n').Append(request.Before).Append(request.Region).Append(request.After);
        AppendLine(prompt);
        foreach (var file in request.ContextFiles)
            AppendLine(prompt.Append(FileSeparator).Append(file.Path).Append('\n').Append(file.Content));
        foreach (var edit in request.RecentEdits)
        {
            AppendLine(prompt.Append(FileSeparator).Append(edit.Path).Append(".diff\noriginal:\n").Append(edit.Removed)
                .Append("updated:\n").Append(edit.Added));
        }
        AppendLine(prompt.Append(FileSeparator).Append("original/").Append(request.FilePath).Append(':').Append(range).Append('\n')
            .Append(request.RegionBeforeEdits ?? request.Region));
        AppendLine(prompt.Append(FileSeparator).Append("current/").Append(request.FilePath).Append(':').Append(range).Append('\n')
            .Append(request.RegionWithCursor(Cursor)));
        prompt.Append(FileSeparator).Append("updated/").Append(request.FilePath).Append(':').Append(range).Append('\n');
        return prompt.ToString();
    }

    private string InstinctUserTurn(NextEditRequest request)
    {
        var user = new StringBuilder();
        user.Append("Update the editable region of the user excerpt with the edit the developer makes next, following their recent edits.\n\n### Context:\n");
        foreach (var file in request.ContextFiles)
            AppendLine(user.Append("<|context_file|> ").Append(file.Path).Append("\n<|snippet|>\n").Append(file.Content));
        user.Append("\n### User Edits:\n\n");
        foreach (var edit in request.RecentEdits.Reverse())
            AppendLine(user.Append(edit.Unified));
        user.Append("\n### User Excerpt:\n").Append(request.FilePath).Append("\n\n").Append(request.Before).Append(RegionStart).Append('\n')
            .Append(request.RegionWithCursor(Cursor)).Append(request.Region.EndsWith('\n') ? "" : "\n").Append(RegionEnd).Append('\n').Append(request.After);
        return user.ToString();
    }

    private static void AppendLine(StringBuilder text)
    {
        if (text.Length > 0 && text[^1] != '\n')
            text.Append('\n');
    }

    /// <summary>A region is whole lines: the reply keeps the final newline the region had (models often drop it before a stop).</summary>
    private static string WithFinalNewline(string region, string original) =>
        original.EndsWith('\n') && !region.EndsWith('\n') ? region + "\n" : region;

    private static string StripFence(string reply)
    {
        var trimmed = reply.Trim('\n');
        if (!trimmed.StartsWith("```", StringComparison.Ordinal))
            return reply;
        var body = trimmed[(trimmed.IndexOf('\n') + 1)..];
        var close = body.LastIndexOf("```", StringComparison.Ordinal);
        return close >= 0 ? body[..close] : body;
    }
}
