using CodeAssist.Engine.Context.Sources;
using CodeAssist.Engine.Documents;

namespace CodeAssist.Engine.Context;

/// <summary>The context sources the server uses. C# sources need a Roslyn document; the recent-documents source serves every language.</summary>
public static class ContextSources
{
    public static IReadOnlyList<IContextSource> Default(DocumentStore documents) =>
    [
        new EnclosingScopeSource(),
        new ReceiverMembersSource(),
        new OverloadSignaturesSource(),
        new UsesInOtherFilesSource(),
        new ReferencedDeclarationsSource(),
        new TypesInScopeSource(),
        new RecentDocumentsSource(documents),
        new SimilarWindowsSource(),
    ];

    /// <summary>Text-only context: what non-C# files get, and what `codeassist-bench eval --no-semantic` compares against.</summary>
    public static IReadOnlyList<IContextSource> TextOnly(DocumentStore documents) => [new RecentDocumentsSource(documents)];
}
