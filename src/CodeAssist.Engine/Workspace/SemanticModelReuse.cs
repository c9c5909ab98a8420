using System.Collections.Concurrent;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace CodeAssist.Engine.Workspace;

/// <summary>
/// Semantic models for positions inside method bodies without a new compilation per keystroke, as Roslyn's own IDE
/// completion gets them. An edit inside a method body changes no declaration, so Roslyn keeps the project's
/// dependent semantic version; while it stays the same, the edited method is bound speculatively against the last
/// compilation built for that version, whose declarations are already bound. Anything else (a changed signature,
/// field or using, a position outside a method body, a project that changed) gets the document's own semantic
/// model, whose compilation becomes the base for the next keystrokes.
/// </summary>
public sealed class SemanticModelReuse
{
    private readonly ConcurrentDictionary<ProjectId, Base> _bases = new();

    /// <summary>Bases built so far (each one a full compilation update); for tests and the benchmark.</summary>
    public int BasesBuilt => _basesBuilt;

    private int _basesBuilt;

    /// <summary>The semantic model that answers for nodes of <paramref name="document"/> around <paramref name="position"/>.</summary>
    public async Task<SemanticModel?> GetAsync(Document document, int position, CancellationToken cancellationToken)
    {
        if (document.FilePath is null || document.Project.Language != LanguageNames.CSharp)
            return await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        var version = await document.Project.GetDependentSemanticVersionAsync(cancellationToken).ConfigureAwait(false);
        if (_bases.TryGetValue(document.Project.Id, out var reusable) && reusable.Version == version
            && await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false) is { } root
            && await TrySpeculateAsync(reusable, document.FilePath, root, position, cancellationToken).ConfigureAwait(false) is { } speculative)
        {
            return speculative;
        }

        var compilation = await document.Project.GetCompilationAsync(cancellationToken).ConfigureAwait(false);
        var tree = await document.GetSyntaxTreeAsync(cancellationToken).ConfigureAwait(false);
        if (compilation is null || tree is null)
            return null;
        var fresh = new Base(version, compilation);
        _bases[document.Project.Id] = fresh;
        Interlocked.Increment(ref _basesBuilt);
        return fresh.ModelFor(document.FilePath, tree);
    }

    /// <summary>
    /// A speculative model of the method at <paramref name="position"/> in <paramref name="edited"/> (a fork of
    /// <paramref name="current"/> whose method body changed, such as a suggestion inserted), bound against the base
    /// <paramref name="current"/> was served from; null when there is no base of <paramref name="current"/>'s
    /// declarations or the position is not in a method body. Never builds a compilation: a check that cannot bind
    /// cheaply does not bind at all.
    /// </summary>
    public async Task<SemanticModel?> TrySpeculateAsync(Document current, Document edited, int position, CancellationToken cancellationToken) =>
        await edited.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false) is { } root
            ? await TrySpeculateAsync(current, root, position, cancellationToken).ConfigureAwait(false)
            : null;

    /// <summary>
    /// The same for a tree of <paramref name="current"/>'s file that is not in any document (<paramref name="editedRoot"/>:
    /// the document's tree with a method body changed, as <c>SyntaxTree.WithChangedText</c> makes it, without a
    /// fork of the solution). The model binds the method of <paramref name="editedRoot"/> itself, so its nodes are
    /// those of that tree.
    /// </summary>
    public async Task<SemanticModel?> TrySpeculateAsync(Document current, SyntaxNode editedRoot, int position, CancellationToken cancellationToken)
    {
        if (current.FilePath is null || current.Project.Language != LanguageNames.CSharp || !_bases.TryGetValue(current.Project.Id, out var reusable))
            return null;
        var version = await current.Project.GetDependentSemanticVersionAsync(cancellationToken).ConfigureAwait(false);
        return reusable.Version == version
            ? await TrySpeculateAsync(reusable, current.FilePath, editedRoot, position, cancellationToken).ConfigureAwait(false)
            : null;
    }

    /// <summary>
    /// The last compilation built for <paramref name="current"/>'s declarations and its tree of the document's file
    /// (whose method bodies may be older than the document's), or null when there is none at the document's
    /// dependent semantic version. Never builds one.
    /// </summary>
    public async Task<(Compilation Compilation, SyntaxTree Tree)?> TryGetBaseAsync(Document current, CancellationToken cancellationToken)
    {
        if (current.FilePath is null || current.Project.Language != LanguageNames.CSharp || !_bases.TryGetValue(current.Project.Id, out var reusable))
            return null;
        var version = await current.Project.GetDependentSemanticVersionAsync(cancellationToken).ConfigureAwait(false);
        return reusable.Version == version && reusable.TreeFor(current.FilePath) is { } tree ? (reusable.Compilation, tree) : null;
    }

    /// <summary>
    /// Builds the project's compilation as the base for its next context builds, unless one of the same version is
    /// there already; returns whether it built one. The first keystroke in the project then binds only its method.
    /// </summary>
    public async Task<bool> WarmAsync(Project project, CancellationToken cancellationToken)
    {
        if (project.Language != LanguageNames.CSharp)
            return false;
        var version = await project.GetDependentSemanticVersionAsync(cancellationToken).ConfigureAwait(false);
        if (_bases.TryGetValue(project.Id, out var existing) && existing.Version == version)
            return false;
        var compilation = await project.GetCompilationAsync(cancellationToken).ConfigureAwait(false);
        if (compilation is null)
            return false;
        // Declarations are bound lazily; asking for the source assembly's types binds what every first query needs.
        _ = compilation.Assembly.TypeNames;
        // A request that built its own base meanwhile keeps it.
        if (!_bases.TryAdd(project.Id, new Base(version, compilation)))
            return false;
        Interlocked.Increment(ref _basesBuilt);
        return true;
    }

    private static async Task<SemanticModel?> TrySpeculateAsync(Base reusable, string path, SyntaxNode root, int position, CancellationToken cancellationToken)
    {
        if (position < 0 || position > root.FullSpan.End)
            return null;
        var method = root.FindToken(Math.Max(0, Math.Min(position, root.FullSpan.End) - 1)).Parent?.AncestorsAndSelf()
            .OfType<BaseMethodDeclarationSyntax>().FirstOrDefault();
        if (method is null || !InBody(method, position))
            return null;
        var baseModel = reusable.ModelFor(path, tree: null);
        if (baseModel is null || SameMemberIn(await baseModel.SyntaxTree.GetRootAsync(cancellationToken).ConfigureAwait(false), method) is not { } previous
            || previous.Body is null && previous.ExpressionBody is null)
        {
            return null;
        }
        // The same text again (a second request at the same version): the base already is this document's model,
        // and Roslyn refuses to speculate with a node of the model's own tree.
        if (previous.SyntaxTree == method.SyntaxTree)
            return baseModel;
        var bodyStart = previous.Body?.SpanStart ?? previous.ExpressionBody!.SpanStart;
        try
        {
            return baseModel.TryGetSpeculativeSemanticModelForMethodBody(bodyStart, method, out var speculative) ? speculative : null;
        }
        catch (NullReferenceException)
        {
            // Roslyn throws instead of answering false for some members (dotnet/roslyn#70575; found by the context-recall
            // eval's held-out set, tests/eval-sets/context-recall/Lending): the document's own model answers instead.
            return null;
        }
    }

    private static bool InBody(BaseMethodDeclarationSyntax method, int position) =>
        method.Body is { } body ? position > body.SpanStart && position <= body.Span.End
        : method.ExpressionBody is { } arrow && position >= arrow.SpanStart && position <= arrow.Span.End;

    /// <summary>
    /// The member at the same place in the previous tree: same index among its parent's members at every level, same
    /// kind. With the semantic version unchanged no member was added, removed or renamed, so the path finds it.
    /// </summary>
    private static BaseMethodDeclarationSyntax? SameMemberIn(SyntaxNode previousRoot, BaseMethodDeclarationSyntax method)
    {
        var path = new Stack<int>();
        for (SyntaxNode node = method; node.Parent is { } parent; node = parent)
        {
            var index = IndexOf(Members(parent), node);
            if (index < 0)
                return null;
            path.Push(index);
            if (parent is CompilationUnitSyntax)
                break;
        }
        var current = previousRoot;
        while (path.Count > 0)
        {
            var siblings = Members(current);
            var index = path.Pop();
            if (index >= siblings.Count)
                return null;
            current = siblings[index];
        }
        return current is BaseMethodDeclarationSyntax previous && previous.RawKind == method.RawKind ? previous : null;
    }

    private static int IndexOf(IReadOnlyList<SyntaxNode> members, SyntaxNode node)
    {
        for (var i = 0; i < members.Count; i++)
        {
            if (members[i] == node)
                return i;
        }
        return -1;
    }

    private static IReadOnlyList<SyntaxNode> Members(SyntaxNode node) => node switch
    {
        CompilationUnitSyntax unit => unit.Members,
        BaseNamespaceDeclarationSyntax ns => ns.Members,
        TypeDeclarationSyntax type => type.Members,
        _ => [],
    };

    /// <summary>One compilation whose declarations are bound, and a semantic model per file of it, made once.</summary>
    private sealed class Base(VersionStamp version, Compilation compilation)
    {
        private readonly ConcurrentDictionary<string, SemanticModel?> _models = new(StringComparer.Ordinal);
        private Dictionary<string, SyntaxTree>? _trees;

        public VersionStamp Version { get; } = version;

        public Compilation Compilation { get; } = compilation;

        /// <summary>The compilation's tree of a file (the first, for a file linked twice), or null.</summary>
        public SyntaxTree? TreeFor(string path)
        {
            _trees ??= Compilation.SyntaxTrees.Where(t => t.FilePath.Length > 0).GroupBy(t => t.FilePath, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
            return _trees.GetValueOrDefault(path);
        }

        /// <summary>
        /// The file's semantic model without nullable flow analysis. Flow analysis of a whole method body on every
        /// query was 85–95 % of a context build's binding time (8 ms of 9 on the benchmark's methods), and nothing
        /// in a context piece comes from it: signatures show the nullability declared, not the flow state at the
        /// cursor. (The option is marked experimental in Roslyn 4.9–5.x: RSEXPERIMENTAL001.)
        /// </summary>
        public SemanticModel? ModelFor(string path, SyntaxTree? tree) => _models.GetOrAdd(path, p =>
        {
            tree ??= TreeFor(p);
            if (tree is null)
                return null;
#pragma warning disable RSEXPERIMENTAL001
            return Compilation.GetSemanticModel(tree, SemanticModelOptions.DisableNullableAnalysis);
#pragma warning restore RSEXPERIMENTAL001
        });
    }
}
