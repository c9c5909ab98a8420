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
            && await TrySpeculateAsync(reusable, document.FilePath, root, position, methodsOnly: true, cancellationToken)
                .ConfigureAwait(false) is { } speculative)
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
    /// A speculative model of the code at <paramref name="position"/> in <paramref name="edited"/> (a fork of
    /// <paramref name="current"/> whose method body changed, such as a suggestion inserted), bound against the base
    /// <paramref name="current"/> was served from; null when there is no base of <paramref name="current"/>'s
    /// declarations or the position is in no code that binds speculatively (<see cref="SpeculativeBodyAt"/>: a method's
    /// or accessor's body, a property's or indexer's expression body, a field's initializer). Never builds a
    /// compilation: a check that cannot bind cheaply does not bind at all.
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
            ? await TrySpeculateAsync(reusable, current.FilePath, editedRoot, position, methodsOnly: false, cancellationToken).ConfigureAwait(false)
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

    /// <summary>
    /// The code around <paramref name="position"/> that a speculative model can bind in place of the base's (the
    /// innermost first): a method's, constructor's, operator's or accessor's body (block or expression), a property's
    /// or indexer's expression body, a field's initializer; null elsewhere. These are what Roslyn's top-level
    /// equivalence leaves out, so editing them keeps the project's dependent semantic version.
    /// </summary>
    public static SyntaxNode? SpeculativeBodyAt(SyntaxNode root, int position)
    {
        if (position < 0 || position > root.FullSpan.End)
            return null;
        foreach (var node in root.FindToken(Math.Max(0, Math.Min(position, root.FullSpan.End) - 1)).Parent?.AncestorsAndSelf() ?? [])
        {
            var body = node switch
            {
                BlockSyntax or ArrowExpressionClauseSyntax when node.Parent is BaseMethodDeclarationSyntax or AccessorDeclarationSyntax => node,
                ArrowExpressionClauseSyntax when node.Parent is PropertyDeclarationSyntax or IndexerDeclarationSyntax => node,
                EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax { Parent.Parent: FieldDeclarationSyntax field } }
                    when !field.Modifiers.Any(SyntaxKind.ConstKeyword) => node,
                _ => null,
            };
            if (body is not null)
                return InBody(body, position) ? body : null;
            if (node is MemberDeclarationSyntax)
                return null;
        }
        return null;
    }

    private static async Task<SemanticModel?> TrySpeculateAsync(
        Base reusable, string path, SyntaxNode root, int position, bool methodsOnly, CancellationToken cancellationToken)
    {
        if (SpeculativeBodyAt(root, position) is not { } body || methodsOnly && body.Parent is not BaseMethodDeclarationSyntax)
            return null;
        var baseModel = reusable.ModelFor(path, tree: null);
        if (baseModel is null || SameBodyIn(await baseModel.SyntaxTree.GetRootAsync(cancellationToken).ConfigureAwait(false), body) is not { } previous)
            return null;
        // The same text again (a second request at the same version): the base already is this document's model,
        // and Roslyn refuses to speculate with a node of the model's own tree.
        if (previous.SyntaxTree == body.SyntaxTree)
            return baseModel;
        try
        {
            SemanticModel? speculative = null;
            var bound = (body, previous) switch
            {
                (_, { Parent: BaseMethodDeclarationSyntax }) =>
                    baseModel.TryGetSpeculativeSemanticModelForMethodBody(previous.SpanStart, (BaseMethodDeclarationSyntax)body.Parent!, out speculative),
                // Roslyn speculates an accessor's block body only; its expression body binds as an expression body.
                (BlockSyntax, { Parent: AccessorDeclarationSyntax }) =>
                    baseModel.TryGetSpeculativeSemanticModelForMethodBody(previous.SpanStart, (AccessorDeclarationSyntax)body.Parent!, out speculative),
                (ArrowExpressionClauseSyntax arrow, _) => baseModel.TryGetSpeculativeSemanticModel(previous.SpanStart, arrow, out speculative),
                (EqualsValueClauseSyntax initializer, EqualsValueClauseSyntax { Value: var value } previousInitializer) =>
                    baseModel.TryGetSpeculativeSemanticModel(value.IsMissing ? previousInitializer.SpanStart : value.SpanStart, initializer, out speculative),
                _ => false,
            };
            return bound ? speculative : null;
        }
        catch (NullReferenceException)
        {
            // Roslyn throws instead of answering false for some members (dotnet/roslyn#70575; found by the context-recall
            // eval's held-out set, tests/eval-sets/context-recall/Lending): the document's own model answers instead.
            return null;
        }
    }

    private static bool InBody(SyntaxNode body, int position) => body switch
    {
        BlockSyntax block => position > block.SpanStart && position <= block.Span.End,
        EqualsValueClauseSyntax initializer => position >= initializer.EqualsToken.Span.End && position <= initializer.Span.End,
        _ => position >= body.SpanStart && position <= body.Span.End,
    };

    /// <summary>
    /// The same code in the previous tree: the member at the same place (same index among its parent's members at every
    /// level, same kind), then the same accessor or variable by index, and its body of the same kind. With the semantic
    /// version unchanged no member was added, removed or renamed, so the path finds it.
    /// </summary>
    private static SyntaxNode? SameBodyIn(SyntaxNode previousRoot, SyntaxNode body)
    {
        var holder = body.Parent!;
        var (member, index) = holder switch
        {
            AccessorDeclarationSyntax accessor when accessor.Parent is AccessorListSyntax list =>
                (list.Parent as MemberDeclarationSyntax, list.Accessors.IndexOf(accessor)),
            VariableDeclaratorSyntax variable when variable.Parent is VariableDeclarationSyntax declaration =>
                (declaration.Parent as MemberDeclarationSyntax, declaration.Variables.IndexOf(variable)),
            _ => (holder as MemberDeclarationSyntax, -1),
        };
        if (member is null || SameMemberIn(previousRoot, member) is not { } previousMember)
            return null;
        SyntaxNode? previousHolder = (previousMember, holder) switch
        {
            (BasePropertyDeclarationSyntax { AccessorList: { } list }, AccessorDeclarationSyntax accessor)
                when index < list.Accessors.Count && list.Accessors[index].RawKind == accessor.RawKind => list.Accessors[index],
            (FieldDeclarationSyntax field, VariableDeclaratorSyntax) when index < field.Declaration.Variables.Count => field.Declaration.Variables[index],
            (_, MemberDeclarationSyntax) => previousMember,
            _ => null,
        };
        SyntaxNode? previous = previousHolder switch
        {
            BaseMethodDeclarationSyntax method => body is BlockSyntax ? method.Body : method.ExpressionBody,
            AccessorDeclarationSyntax accessor => body is BlockSyntax ? accessor.Body : accessor.ExpressionBody,
            PropertyDeclarationSyntax property => property.ExpressionBody,
            IndexerDeclarationSyntax indexer => indexer.ExpressionBody,
            VariableDeclaratorSyntax variable => variable.Initializer,
            _ => null,
        };
        return previous is not null && previous.RawKind == body.RawKind ? previous : null;
    }

    /// <summary>
    /// The member at the same place in the previous tree: same index among its parent's members at every level, same
    /// kind. With the semantic version unchanged no member was added, removed or renamed, so the path finds it.
    /// </summary>
    private static MemberDeclarationSyntax? SameMemberIn(SyntaxNode previousRoot, MemberDeclarationSyntax member)
    {
        var path = new Stack<int>();
        for (SyntaxNode node = member; node.Parent is { } parent; node = parent)
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
        return current is MemberDeclarationSyntax previous && previous.RawKind == member.RawKind ? previous : null;
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
