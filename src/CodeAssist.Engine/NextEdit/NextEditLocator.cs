using System.Diagnostics;
using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.FindSymbols;
using Microsoft.CodeAnalysis.Text;

namespace CodeAssist.Engine.NextEdit;

/// <summary>Why a place may need the next edit, best first.</summary>
public enum NextEditLocationKind
{
    /// <summary>A compiler error the recent edits introduced (a call that no longer fits, a use of a renamed member).</summary>
    IntroducedDiagnostic,

    /// <summary>A reference of the symbol the last edit changed.</summary>
    Reference,

    /// <summary>A line that has the text the last edit changed (the same change, repeated).</summary>
    SimilarLine,
}

/// <summary>
/// A place the next edit may be: <see cref="Span"/> in the file's current text. <see cref="TargetDiagnostics"/> are
/// the errors an edit there must remove (id and message); <see cref="RepeatedText"/> is, for a similar line, what
/// the span becomes when the last edit's change is repeated there.
/// </summary>
public sealed record NextEditLocation(NextEditLocationKind Kind, string FilePath, TextSpan Span, string Reason)
{
    public IReadOnlyList<string> TargetDiagnostics { get; init; } = [];

    public string? RepeatedText { get; init; }
}

/// <summary>
/// Where the next edit may be, from the compiler and no model: the errors the recent edits introduced (the edited
/// documents and those referencing the changed symbol, compiled with the documents as they were before the edits and
/// as they are now), the references of the symbol the last edit changed, and lines with the text the last edit
/// changed. The cursor's file comes first, then the kind, then the distance from the cursor.
/// <para>
/// One instance serves an engine's requests, and what does not change between them is not computed again: the
/// solutions before the edits are answered by the ones made for earlier requests when their content is the same
/// (<see cref="SolutionsByContent"/>), and each solution's errors per document and references per changed declaration
/// are kept with it (<see cref="CompilerResults"/>). Only the current solution, new at every edit, is compiled anew,
/// and only in the documents involved; a search for the same solution and edits (the one started after the edit) is
/// joined, not run again.
/// </para>
/// </summary>
public sealed class NextEditLocator
{
    /// <summary>Documents whose diagnostics are compared, at most: the edited ones first, then those with references.</summary>
    public const int DocumentsCompared = 16;

    private readonly SolutionsByContent? _solutions;
    private readonly bool _narrowed;
    private readonly Lock _lastGate = new();
    private (Solution Solution, IReadOnlyList<EditedDocument> Edited, Lazy<Task<IReadOnlyList<NextEditLocation>>> Search)? _last;

    /// <param name="warmed">The solution whose compilations the workspace built, a candidate for the code before the edits.</param>
    /// <param name="reuse">
    /// False only for the benchmark's same-run comparison: every request then forks and compiles afresh and keeps
    /// nothing, as before the reuse existed.
    /// </param>
    /// <param name="narrowed">
    /// False only for the benchmark's same-run comparison: every member that names a changed declaration is bound, and
    /// bound whole (its declaration stage too), and the documents are compared one after another, as before #21's fifth
    /// session (see <see cref="MembersToCompareAsync"/>).
    /// </param>
    public NextEditLocator(Func<Solution?>? warmed = null, bool reuse = true, bool narrowed = true)
    {
        _solutions = reuse ? new SolutionsByContent(warmed) : null;
        _narrowed = narrowed;
    }

    public bool Reuses => _solutions is not null;

    public async Task<IReadOnlyList<NextEditLocation>> LocateAsync(
        Solution current, IReadOnlyList<EditedDocument> edited, string? cursorPath, int cursorOffset, LocateTimings? timings,
        CancellationToken cancellationToken)
    {
        if (edited.Count == 0)
            return [];
        var locations = await FoundAsync(current, edited, timings, cancellationToken).ConfigureAwait(false);
        var phase = Stopwatch.GetTimestamp();
        var cursorLine = edited.FirstOrDefault(d => d.FilePath == cursorPath)?.Current is { } cursorText
            ? cursorText.Lines.GetLineFromPosition(Math.Min(cursorOffset, cursorText.Length)).LineNumber
            : 0;
        var texts = new Dictionary<string, SourceText>(StringComparer.Ordinal);
        int LineOf(NextEditLocation location)
        {
            if (!texts.TryGetValue(location.FilePath, out var text))
            {
                text = edited.FirstOrDefault(d => d.FilePath == location.FilePath)?.Current
                    ?? current.GetDocument(IdsOf(current, location.FilePath).First())!.GetTextAsync(cancellationToken).Result;
                texts[location.FilePath] = text;
            }
            return text.Lines.GetLineFromPosition(location.Span.Start).LineNumber;
        }
        List<NextEditLocation> ordered = [.. locations
            .OrderBy(l => l.FilePath == cursorPath ? 0 : 1)
            .ThenBy(l => l.Kind)
            .ThenBy(l => l.FilePath == cursorPath ? Math.Abs(LineOf(l) - cursorLine) : LineOf(l))
            .ThenBy(l => l.FilePath, StringComparer.Ordinal)
            .ThenBy(l => l.Span.Start)
            .DistinctBy(l => (l.FilePath, LineOf(l)))];
        timings?.Add(PhaseRest, phase);
        return ordered;
    }

    /// <summary>
    /// The places found for <paramref name="edited"/> in <paramref name="current"/>, in no order: the search for the same
    /// solution and the same edits that is under way or done (the one <c>NextEditEngine.Prepare</c> started after the
    /// edit, or a request's) is joined, not run again; its answer is the same, both being made of the same immutable
    /// texts. A search cancelled by whoever started it, or failed, is started again by the next caller that needs it.
    /// </summary>
    private async Task<IReadOnlyList<NextEditLocation>> FoundAsync(
        Solution current, IReadOnlyList<EditedDocument> edited, LocateTimings? timings, CancellationToken cancellationToken)
    {
        if (_solutions is null)
            return await FindAsync(current, edited, timings, cancellationToken).ConfigureAwait(false);
        while (true)
        {
            Lazy<Task<IReadOnlyList<NextEditLocation>>> search;
            lock (_lastGate)
            {
                if (_last is not { } last || !ReferenceEquals(last.Solution, current) || !SameEdits(last.Edited, edited))
                {
                    last = (current, edited, new(() => FindAsync(current, edited, timings, cancellationToken)));
                    _last = last;
                }
                search = last.Search;
            }
            try
            {
                return await search.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // Its starter was cancelled (the next edit came), this caller was not: it searches again.
                Forget(search);
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                // A search that failed is not kept: the next caller tries again.
                Forget(search);
                throw;
            }
        }
    }

    private void Forget(Lazy<Task<IReadOnlyList<NextEditLocation>>> search)
    {
        lock (_lastGate)
        {
            if (_last?.Search == search)
                _last = null;
        }
    }

    /// <summary>Whether two histories are the same edits: the same texts (the same objects) in the same documents.</summary>
    private static bool SameEdits(IReadOnlyList<EditedDocument> a, IReadOnlyList<EditedDocument> b) =>
        a.Count == b.Count && a.Zip(b).All(p => p.First.FilePath == p.Second.FilePath && ReferenceEquals(p.First.Baseline, p.Second.Baseline)
            && ReferenceEquals(p.First.Current, p.Second.Current) && p.First.Edits.SequenceEqual(p.Second.Edits));

    private async Task<IReadOnlyList<NextEditLocation>> FindAsync(
        Solution current, IReadOnlyList<EditedDocument> edited, LocateTimings? timings, CancellationToken cancellationToken)
    {
        var phase = Stopwatch.GetTimestamp();
        var baseline = current;
        foreach (var document in edited)
        {
            foreach (var id in IdsOf(current, document.FilePath))
                baseline = baseline.WithDocumentText(id, document.Baseline, PreservationMode.PreserveIdentity);
        }
        baseline = await ResolveAsync(baseline, cancellationToken).ConfigureAwait(false);
        timings?.Add(PhaseBaseline, phase);

        var last = edited[0].Last;
        phase = Stopwatch.GetTimestamp();
        // An edit of a declaration is followed through its references and the errors they show; only an edit that
        // changed no declaration is looked for again as text (a parameter added is no text to repeat in a call).
        var references = await ReferencesOfChangedSymbolAsync(current, last, cancellationToken).ConfigureAwait(false);
        var locations = new List<NextEditLocation>(references ?? []);
        timings?.Add(PhaseReferences, phase);
        phase = Stopwatch.GetTimestamp();

        // The errors are looked for where the edits can have caused them: the edited documents and those that use
        // what they changed (the earlier edits' symbols too: fixing one caller must not hide the others).
        var earlier = new List<NextEditLocation>();
        foreach (var document in edited.Skip(1).Take(3))
            earlier.AddRange(await ReferencesOfChangedSymbolAsync(current, document.Last, cancellationToken).ConfigureAwait(false) ?? []);
        var involved = edited.SelectMany(d => IdsOf(current, d.FilePath))
            .Concat((references ?? []).Concat(earlier).SelectMany(r => IdsOf(current, r.FilePath)))
            .Distinct().Take(DocumentsCompared).ToList();
        // Each involved document is compared in its members that name what the edits changed or hold one of the
        // references found, and an edited one also in the members the edits changed: only there can its errors have
        // changed, and only those members are bound.
        var changed = _solutions is null ? null : await ChangedDeclarationsAsync(baseline, current, edited, cancellationToken).ConfigureAwait(false);
        var editedPaths = edited.Select(d => d.FilePath).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var referenceSpans = (references ?? []).Concat(earlier).ToLookup(r => r.FilePath, r => r.Span, StringComparer.Ordinal);
        timings?.Add(PhaseEarlierReferences, phase);
        async Task<IReadOnlyList<NextEditLocation>> IntroducedInAsync(DocumentId id)
        {
            var now = current.GetDocument(id)!;
            var before = baseline.GetDocument(id);
            var compared = changed is null || now.FilePath is null || before is null
                ? (Now: Whole, Before: Whole)
                : await MembersToCompareAsync(now, editedPaths.Contains(now.FilePath) ? before : null, changed, referenceSpans[now.FilePath], _narrowed,
                    cancellationToken).ConfigureAwait(false);
            return await IntroducedDiagnosticsAsync(before, now, compared.Now, compared.Before, last, timings, cancellationToken).ConfigureAwait(false);
        }
        // The documents are compared side by side (each binds in its own project's compilation, which Roslyn builds and
        // completes safely from several threads), their places kept in the documents' order, so the answer is the same.
        var introduced = _narrowed
            ? await Task.WhenAll(involved.Select(id => Task.Run(() => IntroducedInAsync(id), cancellationToken))).ConfigureAwait(false)
            : [.. await SequentiallyAsync(involved, IntroducedInAsync).ConfigureAwait(false)];
        foreach (var found in introduced)
            locations.AddRange(found);
        phase = Stopwatch.GetTimestamp();

        if (references is null)
            locations.AddRange(SimilarLines(edited, last));
        timings?.Add(PhaseRest, phase);
        return locations;
    }

    private static async Task<List<T>> SequentiallyAsync<TItem, T>(IEnumerable<TItem> items, Func<TItem, Task<T>> run)
    {
        var results = new List<T>();
        foreach (var item in items)
            results.Add(await run(item).ConfigureAwait(false));
        return results;
    }

    private Task<Solution> ResolveAsync(Solution fork, CancellationToken cancellationToken) =>
        _solutions is null ? Task.FromResult(fork) : _solutions.ResolveAsync(fork, cancellationToken);

    /// <summary>
    /// A document's errors in each span (null: the whole document; a body-only span without its declaration stage): kept
    /// with its solution, or (without reuse) computed every time.
    /// </summary>
    private async Task<IReadOnlyList<Diagnostic>> ErrorsInAsync(Document document, IReadOnlyList<ComparedSpan> spans, CancellationToken cancellationToken)
    {
        var errors = new List<Diagnostic>();
        foreach (var (span, bodyOnly) in spans)
        {
            errors.AddRange(_solutions is null ? await CompilerResults.ComputeErrorsAsync(document, span, cancellationToken).ConfigureAwait(false)
                : bodyOnly && span is { } member ? await CompilerResults.SyntaxAndBodyErrorsAsync(document, member, cancellationToken).ConfigureAwait(false)
                : await CompilerResults.ErrorsAsync(document, span, cancellationToken).ConfigureAwait(false));
        }
        return errors;
    }

    /// <summary>
    /// The declarations the edits changed: in each edited document, the members and types whose declaration (Roslyn's
    /// top level: everything but bodies and initializers, a constant's value included) differs between the text before
    /// the edits and now, or that exist on one side only; for a member without a name of its own (a constructor, an
    /// operator, an indexer) its type's name.
    /// </summary>
    internal static async Task<ChangedDeclarations> ChangedDeclarationsAsync(
        Solution baseline, Solution current, IReadOnlyList<EditedDocument> edited, CancellationToken cancellationToken)
    {
        var changed = new ChangedDeclarations();
        foreach (var id in edited.SelectMany(d => IdsOf(current, d.FilePath)))
        {
            if (baseline.GetDocument(id) is not { } before
                || await before.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false) is not { } beforeRoot
                || await current.GetDocument(id)!.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false) is not { } nowRoot)
            {
                continue;
            }
            var declarationsBefore = Declarations(beforeRoot);
            var declarationsNow = Declarations(nowRoot);
            foreach (var key in declarationsBefore.Keys.Union(declarationsNow.Keys))
            {
                var a = declarationsBefore.TryGetValue(key, out var x) ? x : [];
                var b = declarationsNow.TryGetValue(key, out var y) ? y : [];
                // Paired in order, only the pairs that differ changed (another type's member of the same name did not).
                var differing = a.Count != b.Count
                    ? a.Concat(b)
                    : a.Zip(b).Where(p => !SameDeclaration(p.First, p.Second)).SelectMany(p => new[] { p.First, p.Second });
                foreach (var declaration in differing)
                    changed.Add(key.Name, declaration);
            }
        }
        return changed;
    }

    /// <summary>Whether two declarations are the same at Roslyn's top level; a type's, its own declaration without its members.</summary>
    private static bool SameDeclaration(MemberDeclarationSyntax a, MemberDeclarationSyntax b) =>
        a is TypeDeclarationSyntax || b is TypeDeclarationSyntax
            ? a.RawKind == b.RawKind && SameTokens(OutsideMembers(a), OutsideMembers(b))
            : SyntaxFactory.AreEquivalent(a, b, topLevel: true);

    /// <summary>Each declaration of a tree by kind and name, in order (a type is listed apart from its members).</summary>
    private static Dictionary<(int Kind, string Name), List<MemberDeclarationSyntax>> Declarations(SyntaxNode root)
    {
        var declarations = new Dictionary<(int, string), List<MemberDeclarationSyntax>>();
        foreach (var node in MemberDeclarations(root))
        {
            var key = (node.RawKind, NameOf(node));
            (declarations.TryGetValue(key, out var list) ? list : declarations[key] = []).Add(node);
        }
        return declarations;
    }

    private static string NameOf(MemberDeclarationSyntax member) => member switch
    {
        BaseTypeDeclarationSyntax type => type.Identifier.ValueText,
        DelegateDeclarationSyntax @delegate => @delegate.Identifier.ValueText,
        MethodDeclarationSyntax method => method.Identifier.ValueText,
        PropertyDeclarationSyntax property => property.Identifier.ValueText,
        EventDeclarationSyntax @event => @event.Identifier.ValueText,
        BaseFieldDeclarationSyntax field => field.Declaration.Variables.FirstOrDefault()?.Identifier.ValueText ?? "",
        EnumMemberDeclarationSyntax enumMember => enumMember.Identifier.ValueText,
        _ => member.Ancestors().OfType<BaseTypeDeclarationSyntax>().FirstOrDefault()?.Identifier.ValueText ?? "",
    };

    /// <summary>
    /// A span of a document whose errors are compared (null: the whole document), and whether only its parser's and body
    /// errors are (<see cref="CompilerResults.SyntaxAndBodyErrorsAsync"/>): a member whose declaration names nothing the
    /// edits changed.
    /// </summary>
    private readonly record struct ComparedSpan(TextSpan? Span, bool BodyOnly);

    /// <summary>The whole document, as a list of spans to compare.</summary>
    private static readonly IReadOnlyList<ComparedSpan> Whole = [new(null, false)];

    /// <summary>
    /// The spans of a document's members whose errors can have changed, now and (paired by kind, name and order) in
    /// the text before the edits: those that hold a reference found, those that name a changed declaration where it can
    /// bind (<see cref="ChangedCanBindIn"/>), and, in a document the user edited (<paramref name="editedBefore"/> is its
    /// text before the edits), those whose text the edits changed or added. A member whose declaration (all but its
    /// bodies and initializers) is as before and names nothing changed is compared in its parser's and body errors only:
    /// its declaration's errors are the same on both sides. The whole document on both sides when what lies outside the
    /// members differs (a using, a type's own declaration, a namespace), when a type's own declaration names a changed
    /// one (its base type or an interface: the type itself may now be wrong), or when it has top-level statements.
    /// Not <paramref name="narrowed"/> (the benchmark's comparison): every member naming a changed declaration, whole.
    /// </summary>
    private static async Task<(IReadOnlyList<ComparedSpan> Now, IReadOnlyList<ComparedSpan> Before)> MembersToCompareAsync(Document document,
        Document? editedBefore, ChangedDeclarations changed, IEnumerable<TextSpan> references, bool narrowed, CancellationToken cancellationToken)
    {
        if (await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false) is not { } root)
            return (Whole, Whole);
        Dictionary<(int Kind, string Name), List<MemberDeclarationSyntax>>? counterparts = null;
        if (editedBefore is not null)
        {
            if (await editedBefore.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false) is not { } beforeRoot
                || !SameTokens(OutsideMembers(beforeRoot), OutsideMembers(root)))
            {
                return (Whole, Whole);
            }
            counterparts = [];
            foreach (var member in MemberDeclarations(beforeRoot).Where(m => m is not BaseTypeDeclarationSyntax))
            {
                var key = (member.RawKind, NameOf(member));
                (counterparts.TryGetValue(key, out var list) ? list : counterparts[key] = []).Add(member);
            }
        }
        bool Names(SyntaxNode? node) =>
            node is not null && node.DescendantTokens().Any(t => t.IsKind(SyntaxKind.IdentifierToken) && changed.Contains(t.ValueText));
        SemanticModel? model = null;
        var now = new List<ComparedSpan>();
        var before = new List<ComparedSpan>();
        var ordinals = new Dictionary<(int, string), int>();
        foreach (var node in MemberDeclarations(root))
        {
            switch (node)
            {
                case GlobalStatementSyntax:
                    return (Whole, Whole);
                case TypeDeclarationSyntax type
                    when type.AttributeLists.Any(Names) || Names(type.BaseList) || Names(type.ParameterList) || type.ConstraintClauses.Any(Names):
                    return (Whole, Whole);
                case BaseTypeDeclarationSyntax type when type is not TypeDeclarationSyntax && Names(type):
                    return (Whole, Whole);
                case BaseTypeDeclarationSyntax:
                    continue;
            }
            var key = (node.RawKind, NameOf(node));
            var ordinal = ordinals[key] = ordinals.GetValueOrDefault(key) + 1;
            var counterpart = counterparts is null ? node
                : counterparts.TryGetValue(key, out var list) && ordinal <= list.Count ? list[ordinal - 1] : null;
            var edited = counterparts is not null && (counterpart is null || !counterpart.IsEquivalentTo(node, topLevel: false));
            var held = references.Where(r => node.Span.Contains(r)).ToList();
            if (!edited && held.Count == 0)
            {
                if (!Names(node))
                    continue;
                if (narrowed && (model ??= await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false)) is { } semantic
                    && !ChangedCanBindIn(node, changed, semantic, cancellationToken))
                {
                    continue;
                }
            }
            var bodyOnly = narrowed && counterpart is not null && (counterparts is null || counterpart.IsEquivalentTo(node, topLevel: true))
                && node.DescendantTokens().All(t => !t.IsKind(SyntaxKind.IdentifierToken) || !changed.Contains(t.ValueText) || InBody(t, node))
                && held.All(r => InBody(root.FindToken(r.Start), node));
            now.Add(new(node.Span, bodyOnly));
            if (counterpart is not null)
                before.Add(new(counterpart.Span, bodyOnly));
        }
        return (now, counterparts is null ? now : before);
    }

    /// <summary>
    /// Whether a declaration the edits changed can bind in <paramref name="member"/>, which names one but holds none of
    /// the references found (the generated code's other classes' <c>Compute3</c> and <c>Add</c>): false only when every
    /// use of a changed name there is <c>field.Name</c> or <c>property.Name</c> on a field or property of the member's
    /// type (one a local or parameter of that name would hide is not), or is the member's own name, and that field's,
    /// property's or type's type is none of the types whose member of that name changed, nor derives from one or
    /// implements one (in the compilation as it is now): member lookup there cannot find the changed declaration, before
    /// the edits (it is not a reference) or after them. A changed type or delegate, an extension method, a member without
    /// a name of its own, and any other use of the name (unqualified, on another expression) can bind anywhere.
    /// </summary>
    private static bool ChangedCanBindIn(MemberDeclarationSyntax member, ChangedDeclarations changed, SemanticModel model, CancellationToken cancellationToken)
    {
        if (member.Parent is not TypeDeclarationSyntax type)
            return true;
        foreach (var token in member.DescendantTokens())
        {
            if (!token.IsKind(SyntaxKind.IdentifierToken) || !changed.Contains(token.ValueText))
                continue;
            if (changed.OwnersOf(token.ValueText) is not { } owners)
                return true;
            var lookedUpIn = token.Parent switch
            {
                SimpleNameSyntax { Parent: MemberAccessExpressionSyntax { RawKind: (int)SyntaxKind.SimpleMemberAccessExpression } access } name
                    when access.Name == name && access.Expression is IdentifierNameSyntax receiver =>
                    TypeOfFieldOrProperty(type, member, receiver.Identifier.ValueText, model, cancellationToken),
                MethodDeclarationSyntax or PropertyDeclarationSyntax or EventDeclarationSyntax when token.Parent == member =>
                    model.GetDeclaredSymbol(type, cancellationToken),
                _ => null,
            };
            if (lookedUpIn is not INamedTypeSymbol { TypeKind: not TypeKind.Error } named
                || owners.Contains(named.Name) || named.AllInterfaces.Any(i => owners.Contains(i.Name)))
            {
                return true;
            }
            for (var baseType = named.BaseType; baseType is not null; baseType = baseType.BaseType)
            {
                if (baseType.TypeKind == TypeKind.Error || owners.Contains(baseType.Name))
                    return true;
            }
        }
        return false;
    }

    /// <summary>
    /// The type of the one field or property of <paramref name="type"/> called <paramref name="name"/>, when that is what
    /// the simple name means in <paramref name="member"/>: no other member of the type has the name, and nothing in the
    /// member declares it (a local, a parameter, a lambda's, a pattern's or a query's variable would hide it).
    /// </summary>
    private static ITypeSymbol? TypeOfFieldOrProperty(TypeDeclarationSyntax type, MemberDeclarationSyntax member, string name, SemanticModel model,
        CancellationToken cancellationToken)
    {
        if (member.DescendantTokens().Any(t => t.IsKind(SyntaxKind.IdentifierToken) && t.ValueText == name && t.Parent is not IdentifierNameSyntax))
            return null;
        SyntaxNode? declaration = null;
        var count = 0;
        foreach (var candidate in type.Members)
        {
            switch (candidate)
            {
                case FieldDeclarationSyntax field:
                    foreach (var variable in field.Declaration.Variables.Where(v => v.Identifier.ValueText == name))
                        (declaration, count) = (variable, count + 1);
                    break;
                case PropertyDeclarationSyntax property when property.Identifier.ValueText == name:
                    (declaration, count) = (property, count + 1);
                    break;
                case BaseFieldDeclarationSyntax @event when @event.Declaration.Variables.Any(v => v.Identifier.ValueText == name):
                    count += 2;
                    break;
                case var other when NameOf(other) == name:
                    count += 2;
                    break;
            }
        }
        return count != 1 ? null : model.GetDeclaredSymbol(declaration!, cancellationToken) switch
        {
            IFieldSymbol field => field.Type,
            IPropertySymbol property => property.Type,
            _ => null,
        };
    }

    /// <summary>
    /// Whether a token of <paramref name="member"/> lies in its body: a block, an expression body, or the initializer of a
    /// field (not a constant's: its value is part of its declaration) or a property.
    /// </summary>
    private static bool InBody(SyntaxToken token, MemberDeclarationSyntax member)
    {
        for (var node = token.Parent; node is not null && node != member; node = node.Parent)
        {
            switch (node)
            {
                case BlockSyntax or ArrowExpressionClauseSyntax:
                    return true;
                case EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax or PropertyDeclarationSyntax }:
                    return !(member is FieldDeclarationSyntax field && field.Modifiers.Any(SyntaxKind.ConstKeyword));
            }
        }
        return false;
    }

    /// <summary>
    /// The member and type declarations of a tree, outermost first (members of a member, such as local functions, are not
    /// declarations here).
    /// </summary>
    private static IEnumerable<MemberDeclarationSyntax> MemberDeclarations(SyntaxNode root) =>
        root.DescendantNodes(n => n is CompilationUnitSyntax or BaseNamespaceDeclarationSyntax or TypeDeclarationSyntax).OfType<MemberDeclarationSyntax>()
            .Where(m => m is not BaseNamespaceDeclarationSyntax);

    /// <summary>
    /// The tokens of a tree, or of a type's declaration, outside the types' members: usings, namespaces, type declarations
    /// without their members (enums whole), top-level statements. Compared token by token, without building the tree
    /// without the members.
    /// </summary>
    private static IEnumerable<SyntaxToken> OutsideMembers(SyntaxNode node) =>
        node.DescendantTokens(n => n == node || !(n is MemberDeclarationSyntax && n.Parent is TypeDeclarationSyntax));

    /// <summary>Whether two token sequences are the same, as Roslyn's equivalence sees tokens (kind, value, missing; trivia ignored).</summary>
    private static bool SameTokens(IEnumerable<SyntaxToken> a, IEnumerable<SyntaxToken> b)
    {
        using var x = a.GetEnumerator();
        using var y = b.GetEnumerator();
        while (true)
        {
            var (moreX, moreY) = (x.MoveNext(), y.MoveNext());
            if (moreX != moreY)
                return false;
            if (!moreX)
                return true;
            if (x.Current.RawKind != y.Current.RawKind || x.Current.IsMissing != y.Current.IsMissing || x.Current.ValueText != y.Current.ValueText)
                return false;
        }
    }

    /// <summary>The phases <see cref="LocateTimings"/> reports.</summary>
    public const string PhaseBaseline = "the solution before the edits", PhaseReferences = "references of the changed symbol",
        PhaseEarlierReferences = "references of earlier edits' symbols", PhaseErrorsNow = "errors now, whole documents",
        PhaseErrorsNowInMembers = "errors now, in members", PhaseErrorsBefore = "errors before the edits", PhaseRest = "similar lines and order";

    private static IEnumerable<DocumentId> IdsOf(Solution solution, string? path) =>
        path is null ? [] : solution.GetDocumentIdsWithFilePath(path).Where(id => solution.GetDocument(id)?.SupportsSemanticModel == true);

    /// <summary>
    /// The references of what the last edit changed, found where they still bind: in the solution with the document as
    /// it was just before that edit (a renamed method's calls name the old one). Positions in the edited document are
    /// moved past the edit; the edit's own text is not a place to edit next.
    /// </summary>
    /// <returns>null when the edit changed no declaration.</returns>
    private async Task<IReadOnlyList<NextEditLocation>?> ReferencesOfChangedSymbolAsync(Solution current, RecentEdit last, CancellationToken cancellationToken)
    {
        if (IdsOf(current, last.FilePath).FirstOrDefault() is not { } id)
            return null;
        var before = await ResolveAsync(current.WithDocumentText(id, last.Before, PreservationMode.PreserveIdentity), cancellationToken).ConfigureAwait(false);
        var document = before.GetDocument(id)!;
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root is null || ChangedDeclaration(root, last.OldSpan) is not { } declaration)
            return null;
        var found = _solutions is null
            ? await FindReferencesAsync(document, declaration, cancellationToken).ConfigureAwait(false)
            : await CompilerResults.ReferencesAsync(before, id, declaration.Span, token => FindReferencesAsync(document, declaration, token), cancellationToken)
                .ConfigureAwait(false);
        if (found is null)
            return [];
        var locations = new List<NextEditLocation>();
        var delta = last.NewSpan.Length - last.OldSpan.Length;
        foreach (var reference in found.References)
        {
            var span = reference.Span;
            if (reference.DocumentId == id)
            {
                if (span.IntersectsWith(last.OldSpan) || span.End == last.OldSpan.Start && last.OldSpan.IsEmpty)
                    continue;
                if (span.Start >= last.OldSpan.End)
                    span = new TextSpan(span.Start + delta, span.Length);
            }
            locations.Add(new NextEditLocation(
                NextEditLocationKind.Reference, reference.FilePath, span, $"uses {found.SymbolDisplay}, which the last edit changed"));
        }
        return locations;
    }

    /// <summary>
    /// The references of the symbol <paramref name="declaration"/> declares, in the solution of <paramref name="document"/>;
    /// null when it declares none.
    /// </summary>
    private static async Task<FoundReferences?> FindReferencesAsync(Document document, SyntaxNode declaration, CancellationToken cancellationToken)
    {
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (model?.GetDeclaredSymbol(declaration, cancellationToken) is not { } symbol)
            return null;
        var found = new List<FoundReference>();
        foreach (var reference in await SymbolFinder.FindReferencesAsync(symbol, document.Project.Solution, cancellationToken).ConfigureAwait(false))
        {
            foreach (var location in reference.Locations)
            {
                if (location.Document.FilePath is { } path && !location.IsImplicit)
                    found.Add(new FoundReference(location.Document.Id, path, location.Location.SourceSpan));
            }
        }
        return new FoundReferences(symbol.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat), found);
    }

    /// <summary>
    /// The declaration whose symbol an edit at <paramref name="span"/> changes: a member or type whose signature it
    /// touches (a parameter counts as its method's), or a variable whose declarator it touches. An edit inside a body
    /// changes no symbol's uses.
    /// </summary>
    internal static SyntaxNode? ChangedDeclaration(SyntaxNode root, TextSpan span)
    {
        var token = root.FindToken(Math.Min(span.Start, Math.Max(0, root.FullSpan.End - 1)));
        for (var node = token.Parent; node is not null; node = node.Parent)
        {
            switch (node)
            {
                case VariableDeclaratorSyntax declarator when !declarator.Initializer?.Span.Contains(span.Start) ?? true:
                    return declarator;
                case BlockSyntax or ArrowExpressionClauseSyntax or EqualsValueClauseSyntax or AccessorListSyntax:
                    return null;
                case ParameterSyntax when node.Parent?.Parent is BaseMethodDeclarationSyntax or LocalFunctionStatementSyntax:
                    continue;
                case BaseFieldDeclarationSyntax field:
                    return field.Declaration.Variables.FirstOrDefault();
                case MemberDeclarationSyntax or LocalFunctionStatementSyntax:
                    return node;
            }
        }
        return null;
    }

    /// <summary>
    /// The errors the document has now and did not have before the edits (matched by id and message, as many times as
    /// they occur), except those on the last edit's own text: that is the user's work in progress.
    /// </summary>
    private async Task<IReadOnlyList<NextEditLocation>> IntroducedDiagnosticsAsync(Document? before, Document after, IReadOnlyList<ComparedSpan> comparedNow,
        IReadOnlyList<ComparedSpan> comparedBefore, RecentEdit last, LocateTimings? timings, CancellationToken cancellationToken)
    {
        var phase = Stopwatch.GetTimestamp();
        var errorsAfter = await ErrorsInAsync(after, comparedNow, cancellationToken).ConfigureAwait(false);
        timings?.Add(comparedNow is [{ Span: null }] ? PhaseErrorsNow : PhaseErrorsNowInMembers, phase);
        if (errorsAfter.Count == 0)
            return [];
        phase = Stopwatch.GetTimestamp();
        var errorsBefore = before is null ? [] : await ErrorsInAsync(before, comparedBefore, cancellationToken).ConfigureAwait(false);
        timings?.Add(PhaseErrorsBefore, phase);
        var lastEditHere = after.FilePath == last.FilePath;
        return [.. New(errorsBefore, errorsAfter)
            .Where(d => !(lastEditHere && Touches(d.Location.SourceSpan, last.NewSpan)))
            .Select(d => new NextEditLocation(
                NextEditLocationKind.IntroducedDiagnostic, after.FilePath!, d.Location.SourceSpan, $"{d.Id}: {d.GetMessage(CultureInfo.InvariantCulture)}")
            {
                TargetDiagnostics = [Key(d)],
            })];
    }

    private static bool Touches(TextSpan a, TextSpan b) => a.Start <= b.End && b.Start <= a.End;

    /// <summary>A document's errors, the whole document compiled (nothing kept): the rule the refactorings and the evaluation's cases share.</summary>
    public static Task<IReadOnlyList<Diagnostic>> ErrorsAsync(Document document, CancellationToken cancellationToken) =>
        CompilerResults.ComputeErrorsAsync(document, null, cancellationToken);

    /// <summary>The diagnostics of <paramref name="after"/> beyond those of <paramref name="before"/>, matched by <see cref="Key"/> as a multiset.</summary>
    internal static IEnumerable<Diagnostic> New(IReadOnlyList<Diagnostic> before, IReadOnlyList<Diagnostic> after)
    {
        var remaining = before.GroupBy(Key).ToDictionary(g => g.Key, g => g.Count());
        foreach (var diagnostic in after)
        {
            var key = Key(diagnostic);
            if (remaining.TryGetValue(key, out var count) && count > 0)
                remaining[key] = count - 1;
            else
                yield return diagnostic;
        }
    }

    /// <summary>How diagnostics are matched across versions of a document whose positions moved.</summary>
    public static string Key(Diagnostic diagnostic) => diagnostic.Id + " " + diagnostic.GetMessage(CultureInfo.InvariantCulture);

    /// <summary>
    /// Lines with the text the last edit replaced, where the same change can be made again: the changed fragment
    /// widened to whole words (to the surrounding word when the edit only inserted), searched in the edited
    /// documents, the last edited first.
    /// </summary>
    private static IEnumerable<NextEditLocation> SimilarLines(IReadOnlyList<EditedDocument> edited, RecentEdit last)
    {
        if (RepeatableChange(last) is not var (removed, inserted))
            yield break;
        var editedLine = last.After.Lines.GetLineFromPosition(last.NewSpan.Start).LineNumber;
        foreach (var document in edited)
        {
            if (document.FilePath is null)
                continue;
            foreach (var line in document.Current.Lines)
            {
                if (document.FilePath == last.FilePath && line.LineNumber == editedLine)
                    continue;
                var text = document.Current.ToString(line.Span);
                var at = WholeWordIndex(text, removed);
                if (at < 0 || text.Contains(inserted, StringComparison.Ordinal))
                    continue;
                yield return new NextEditLocation(NextEditLocationKind.SimilarLine, document.FilePath, new TextSpan(line.Start + at, removed.Length),
                    $"the same change as the last edit: \"{removed}\" → \"{inserted}\"")
                {
                    RepeatedText = inserted,
                };
            }
        }
    }

    /// <summary>What the last edit replaced and with what, widened to whole words; null when it spans lines or is too small to repeat.</summary>
    internal static (string Removed, string Inserted)? RepeatableChange(RecentEdit edit)
    {
        var oldLine = edit.Before.Lines.GetLineFromPosition(edit.OldSpan.Start);
        var newLine = edit.After.Lines.GetLineFromPosition(edit.NewSpan.Start);
        if (edit.OldSpan.End > oldLine.End || edit.NewSpan.End > newLine.End)
            return null;
        var before = edit.Before.ToString(oldLine.Span);
        var after = edit.After.ToString(newLine.Span);
        int start = edit.OldSpan.Start - oldLine.Start, oldEnd = edit.OldSpan.End - oldLine.Start, newEnd = edit.NewSpan.End - newLine.Start;
        // Widen over word characters on both sides (the same characters in both lines); an insertion widens to the
        // whitespace-delimited chunk around it, so that it has something to be found by.
        Func<char, bool> widen = edit.OldSpan.IsEmpty ? c => !char.IsWhiteSpace(c) : IsWordCharacter;
        while (start > 0 && widen(before[start - 1]))
            start--;
        while (oldEnd < before.Length && widen(before[oldEnd]))
        {
            oldEnd++;
            newEnd++;
        }
        var removed = before[start..oldEnd];
        var inserted = after[start..Math.Min(newEnd, after.Length)];
        return removed.Trim().Length >= 2 && removed.Any(IsWordCharacter) && removed != inserted ? (removed, inserted) : null;
    }

    private static bool IsWordCharacter(char c) => char.IsLetterOrDigit(c) || c == '_';

    private static int WholeWordIndex(string text, string word)
    {
        for (var at = text.IndexOf(word, StringComparison.Ordinal); at >= 0; at = text.IndexOf(word, at + 1, StringComparison.Ordinal))
        {
            var startsWord = at == 0 || !IsWordCharacter(text[at - 1]) || !IsWordCharacter(word[0]);
            var endsWord = at + word.Length == text.Length || !IsWordCharacter(text[at + word.Length]) || !IsWordCharacter(word[^1]);
            if (startsWord && endsWord)
                return at;
        }
        return -1;
    }
}

/// <summary>
/// The declarations the edits changed (<see cref="NextEditLocator.ChangedDeclarationsAsync"/>), by name: for each name,
/// the types whose member of that name changed, or none (any receiver) when a use of the name can bind to a changed
/// declaration whatever it is called on: a type or a delegate, an extension method, a member without a name of its own
/// (a constructor, an operator, an indexer: listed under its type's name), a member outside a type.
/// </summary>
internal sealed class ChangedDeclarations
{
    private readonly Dictionary<string, HashSet<string>?> _owners = new(StringComparer.Ordinal);

    public bool Contains(string name) => _owners.ContainsKey(name);

    /// <summary>The types whose member called <paramref name="name"/> changed; null when the name can bind to a changed declaration on any receiver.</summary>
    public IReadOnlySet<string>? OwnersOf(string name) => _owners.GetValueOrDefault(name);

    /// <summary>Adds <paramref name="declaration"/> (before or after the edits), which changed, under <paramref name="name"/>.</summary>
    public void Add(string name, MemberDeclarationSyntax declaration)
    {
        var owner = declaration switch
        {
            MethodDeclarationSyntax method when method.ParameterList.Parameters.FirstOrDefault()?.Modifiers.Any(SyntaxKind.ThisKeyword) == true => null,
            MethodDeclarationSyntax or PropertyDeclarationSyntax or EventDeclarationSyntax or BaseFieldDeclarationSyntax =>
                (declaration.Parent as BaseTypeDeclarationSyntax)?.Identifier.ValueText,
            _ => null,
        };
        if (owner is null)
            _owners[name] = null;
        else if (!_owners.TryGetValue(name, out var owners))
            _owners[name] = [owner];
        else
            owners?.Add(owner);
    }
}
