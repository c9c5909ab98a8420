using CodeAssist.Engine.Context;

namespace CodeAssist.Engine.Hosting;

/// <summary>How an <see cref="EngineHost"/> is built: fixed for its lifetime, unlike <see cref="AssistSettings"/>.</summary>
public sealed record EngineOptions
{
    /// <summary>The compiler's context sources (false: recent documents only, what `eval --no-semantic` compares against).</summary>
    public bool SemanticContext { get; init; } = true;

    /// <summary>
    /// Wraps the context sources before the builder gets them; the bench uses it to time each source. The sources
    /// themselves are the engine's choice, so a measured build is the build the server runs.
    /// </summary>
    public Func<IReadOnlyList<IContextSource>, IReadOnlyList<IContextSource>>? WrapContextSources { get; init; }

    /// <summary>
    /// Whether a load that ends builds the projects' compilations in the background
    /// (<see cref="Workspace.CodeWorkspace.WarmCompilationsAfterLoad"/>; the server's choice). A context build does not
    /// wait for a warm-up (it leaves the semantic sources out until the warm-up has ended), so a one-off command that
    /// asks about a file right after the load switches it off and binds what it needs itself.
    /// </summary>
    public bool WarmCompilationsAfterLoad { get; init; } = true;

    /// <summary>
    /// The folder of the project-system cache (<see cref="Workspace.ProjectSystemCache"/>), or null for none (the
    /// default: the command line and the tests load with MSBuild alone; the server uses the user's cache folder, and a test
    /// that wants a cache names a folder of its own). Only a trusted workspace reads or writes it.
    /// </summary>
    public string? ProjectCacheFolder { get; init; }

    /// <summary>Whether the workspace starts trusted (`serve --untrusted` and the initialization option take it away).</summary>
    public bool Trusted { get; init; } = true;

    /// <summary>
    /// Test seam, null in the product: generations that stop after their first piece until cancelled
    /// (<see cref="Models.HeldGenerations"/>), so cancellation tests know the generation they cancel is running.
    /// </summary>
    public Models.HeldGenerations? HeldGenerations { get; init; }
}
