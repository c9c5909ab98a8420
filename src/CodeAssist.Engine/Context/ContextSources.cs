using CodeAssist.Engine.Documents;

namespace CodeAssist.Engine.Context;

/// <summary>The context sources the server uses, most valuable first.</summary>
public static class ContextSources
{
    public static IReadOnlyList<IContextSource> Default(DocumentStore documents) => [];
}
