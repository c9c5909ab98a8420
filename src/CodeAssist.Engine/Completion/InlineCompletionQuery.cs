namespace CodeAssist.Engine.Completion;

public enum CompletionTrigger
{
    /// <summary>The user asked (a shortcut, cycling): several candidates are welcome.</summary>
    Invoked,

    /// <summary>Typing triggered it: one good suggestion, fast.</summary>
    Automatic,
}

/// <summary>The IntelliSense item selected in the editor's completion list: a suggestion must extend it.</summary>
public sealed record SelectedCompletion(int StartOffset, int EndOffset, string Text);

/// <summary>
/// A completion request at <paramref name="Offset"/> (a UTF-16 offset into the document's text): the engine speaks
/// offsets, and the host turns the editor's line and character into one at its edge.
/// </summary>
public sealed record InlineCompletionQuery(Uri Uri, int Offset, CompletionTrigger Trigger)
{
    /// <summary>The document version the client asked about; a request for an older version is answered empty.</summary>
    public int? Version { get; init; }

    public SelectedCompletion? Selected { get; init; }
}

/// <summary>A suggestion in editor terms: replace [StartOffset, EndOffset) of the document version with Text.</summary>
public sealed record InlineSuggestion(string Id, string Text, int StartOffset, int EndOffset, int Version);

/// <summary>The answer to one query, with the offsets' document so the host can turn offsets into positions.</summary>
public sealed record InlineCompletionResult(IReadOnlyList<InlineSuggestion> Items, Documents.DocumentSnapshot? Document)
{
    public static readonly InlineCompletionResult Empty = new([], null);
}
