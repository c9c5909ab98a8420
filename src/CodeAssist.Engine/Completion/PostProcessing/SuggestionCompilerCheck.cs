using System.Collections.Concurrent;
using System.Diagnostics;
using CodeAssist.Engine.Documents;
using CodeAssist.Engine.Workspace;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace CodeAssist.Engine.Completion.PostProcessing;

/// <summary>What the compiler check made of a suggestion.</summary>
public enum CompilerVerdict
{
    /// <summary>It adds no compiler error.</summary>
    Accepted,

    /// <summary>It added one; its longest prefix that adds none is shown instead.</summary>
    Cut,

    /// <summary>It added one and no prefix worth showing is free of it.</summary>
    Dropped,

    /// <summary>Not C#, or not in a loaded project (a loose file's compiler view lacks the rest of the code): not checked.</summary>
    Unchecked,
}

/// <summary>The suggestion to show (null when dropped), the verdict, and the first error it added ("CSnnnn: message").</summary>
public sealed record CompilerCheckResult(string? Text, CompilerVerdict Verdict, string? Error = null);

/// <summary>How a check bound a suggestion: speculatively in the method body, in a fork of the compilation, or not at all.</summary>
public enum CompilerBinding
{
    None,
    Speculative,
    Fork,
}

/// <summary>What a check cost: wall time, the process's CPU time over it, and how the suggestion was bound.</summary>
public sealed record CompilerCheckCost(TimeSpan Elapsed, TimeSpan Cpu, CompilerBinding Binding);

/// <summary>
/// Suggestions the compiler accepts (issue #20): before a C# suggestion is shown, the binding errors of what it touches
/// are compared with theirs without it (<see cref="CompilerErrors"/>: errors of constructs the parser found unfinished
/// do not count, except a name that exists nowhere). A suggestion that adds an error is cut to its longest prefix, at
/// a token boundary, that parses and adds none, or dropped.
/// <para>
/// Where an edit changes no declaration (a method's or accessor's body, an expression body, a field's initializer) the
/// code is bound speculatively against the last compilation (<see cref="SemanticModelReuse"/>, the context build's
/// base): no compilation is made, the declarations are bound already, and only the statements the suggestion touches
/// are bound (<see cref="SpeculativeErrors.Touched"/>). Roslyn reports no diagnostics from a speculative model, so the
/// errors are read from what binding left (<see cref="SpeculativeErrors"/>, one rule per kind of error); the cut tries
/// are bound the same way.
/// </para>
/// <para>
/// Anywhere else — a member's declaration, a type header, a using directive, a top-level statement — both sides are
/// forks of the last compilation with the document's tree replaced, and only the touched members are bound (their
/// declaration and body diagnostics, nullable analysis off), then, when those add nothing, the members the edit may
/// break elsewhere in the document: a fork shares the references' symbols but makes the source symbols again on
/// demand, 15–100 ms on a loaded machine, and each cut tried is one more fork. (Showing the prefix before the first
/// error unbound, one fork per suggestion, was tried: the prefixes still held errors, 7 % → 19 % on Lending.)
/// </para>
/// </summary>
public sealed class SuggestionCompilerCheck(CodeWorkspace workspace)
{
    private readonly CodeWorkspace _workspace = workspace;

    /// <summary>Prefixes bound at most when looking for a cut (each is one more binding: speculative, or a fork).</summary>
    private const int MaxCutsTried = 2;

    /// <summary>The last base and its copy without nullable analysis, which the forks are made from (swapped whole: requests run concurrently).</summary>
    private ForkBase? _forkBase;

    /// <summary>
    /// The errors of the last document's code bound speculatively without a suggestion, by body and region (every
    /// candidate of a request, and each cut tried, lands in the same place); swapped whole when the document changes.
    /// </summary>
    private SpeculativeWithout? _without;

    private sealed record ForkBase(Compilation Base, Compilation WithoutNullable);

    private sealed record SpeculativeWithout(SyntaxTree Tree, ConcurrentDictionary<(TextSpan Body, TextSpan Region), IReadOnlyList<CompilerError>> Errors);

    /// <summary>
    /// False: every suggestion is bound in a fork, as before speculative binding (#20's second session), for the
    /// same-run A/B of <c>eval --compiler-errors</c> and the bench; true by default.
    /// </summary>
    public bool Speculate { get; set; } = true;

    /// <summary>Raised after each check with its verdict, how long it took and how it bound (the bench and the eval print the times).</summary>
    public event Action<CompilerCheckResult, CompilerCheckCost>? Checked;

    public async Task<CompilerCheckResult> CheckAsync(DocumentSnapshot document, int offset, string suggestion, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var cpu = Environment.CpuUsage.TotalTime;
        var (result, binding) = await CheckUntimedAsync(document, offset, suggestion, cancellationToken).ConfigureAwait(false);
        Checked?.Invoke(result, new CompilerCheckCost(clock.Elapsed, Environment.CpuUsage.TotalTime - cpu, binding));
        return result;
    }

    private async Task<(CompilerCheckResult, CompilerBinding)> CheckUntimedAsync(
        DocumentSnapshot document, int offset, string suggestion, CancellationToken cancellationToken)
    {
        if (!document.IsCSharp || _workspace.GetDocument(document) is not { } current || !_workspace.InLoadedProject(current))
            return (new(suggestion, CompilerVerdict.Unchecked), CompilerBinding.None);
        if (await BindingsAsync(current, offset, cancellationToken).ConfigureAwait(false) is not { } bindings)
            return (new(suggestion, CompilerVerdict.Unchecked), CompilerBinding.None);
        var (error, binding) = await bindings.FirstAddedErrorAsync(offset, suggestion, forkAllowed: true, cancellationToken).ConfigureAwait(false);
        if (error is null)
            return (new(suggestion, CompilerVerdict.Accepted), binding);
        var tried = 0;
        var limit = error.Span.Start >= offset ? Math.Min(error.Span.Start - offset, suggestion.Length) : suggestion.Length;
        foreach (var cut in TokenEnds(suggestion).Reverse())
        {
            // A prefix that still holds the start of an error added inside the suggestion still adds it.
            if (cut > limit)
                continue;
            var prefix = suggestion[..cut].TrimEnd();
            if (!prefix.Any(char.IsLetterOrDigit) || ++tried > MaxCutsTried)
                break;
            if (!bindings.Parses(offset, prefix, cancellationToken))
                continue;
            // A prefix is bound as its suggestion was: one that cannot be bound speculatively when the suggestion was
            // (an open brace takes the method's closing one) is not shown.
            var (prefixError, prefixBinding) = await bindings.FirstAddedErrorAsync(offset, prefix, forkAllowed: binding == CompilerBinding.Fork,
                cancellationToken)
                .ConfigureAwait(false);
            if (prefixBinding == CompilerBinding.None)
                continue;
            if (prefixError is null)
                return (new(prefix, CompilerVerdict.Cut, error.ToString()), binding);
            if (prefixError.Span.Start >= offset)
                limit = Math.Min(limit, prefixError.Span.Start - offset);
        }
        return (new(null, CompilerVerdict.Dropped, error.ToString()), binding);
    }

    /// <summary>What a check binds with, or null when the document's declarations have no compilation to bind against.</summary>
    private async Task<Bindings?> BindingsAsync(Document current, int offset, CancellationToken cancellationToken)
    {
        var found = await _workspace.SemanticModels.TryGetBaseAsync(current, cancellationToken).ConfigureAwait(false);
        if (found is null)
        {
            // No base of these declarations yet (the context build did not bind anything): made as a context build
            // makes it, once.
            await _workspace.SemanticModels.GetAsync(current, offset, cancellationToken).ConfigureAwait(false);
            found = await _workspace.SemanticModels.TryGetBaseAsync(current, cancellationToken).ConfigureAwait(false);
        }
        if (found is not var (compilation, baseTree) || await current.GetSyntaxTreeAsync(cancellationToken).ConfigureAwait(false) is not { } tree)
            return null;
        return new Bindings(this, current, compilation, baseTree, tree);
    }

    /// <summary>The fork base of <paramref name="compilation"/>: the same without nullable analysis, made once per base.</summary>
    private Compilation WithoutNullable(Compilation compilation)
    {
        var forkBase = _forkBase;
        if (forkBase is null || forkBase.Base != compilation)
        {
            var withoutNullable = compilation is CSharpCompilation csharp
                ? csharp.WithOptions(csharp.Options.WithNullableContextOptions(NullableContextOptions.Disable))
                : compilation;
            forkBase = new ForkBase(compilation, withoutNullable);
            _forkBase = forkBase;
        }
        return forkBase.WithoutNullable;
    }

    /// <summary>
    /// The document against the last compilation: speculative bindings of the code a text lands in, and forks of the
    /// compilation with the document's tree replaced (without the suggestion made once, with each text tried).
    /// </summary>
    private sealed class Bindings(SuggestionCompilerCheck check, Document document, Compilation compilation, SyntaxTree baseTree, SyntaxTree current)
    {
        private readonly Dictionary<(TextSpan, bool), IReadOnlyList<CompilerError>> _errorsWithout = [];
        private readonly Dictionary<(int, string), SyntaxTree> _edited = [];
        private SemanticModel? _without;

        /// <summary>The document's tree with <paramref name="text"/> inserted, parsed incrementally from the document's (once per text).</summary>
        private SyntaxTree Edited(int offset, string text, CancellationToken cancellationToken)
        {
            if (!_edited.TryGetValue((offset, text), out var edited))
            {
                edited = current.WithChangedText(current.GetText(cancellationToken).WithChanges(new TextChange(new TextSpan(offset, 0), text)));
                _edited[(offset, text)] = edited;
            }
            return edited;
        }

        /// <summary>Whether a cut parses (<see cref="CSharpSyntaxFilter"/>), on the tree its binding will use.</summary>
        public bool Parses(int offset, string text, CancellationToken cancellationToken) =>
            CSharpSyntaxFilter.Parses(current, Edited(offset, text, cancellationToken), new TextSpan(offset, 0), text.Length, cancellationToken);

        public async Task<(CompilerError? Error, CompilerBinding Binding)> FirstAddedErrorAsync(
            int offset, string suggestion, bool forkAllowed, CancellationToken cancellationToken)
        {
            var edited = Edited(offset, suggestion, cancellationToken);
            var editedRoot = edited.GetRoot(cancellationToken);
            var currentRoot = current.GetRoot(cancellationToken);
            // Text inserted into a method body (or an accessor, an expression body, a field's initializer) changes no
            // declaration: it is bound speculatively, or in a fork whose declarations' errors are those of the text
            // without it (most of a fork's binding time when a member's type is completed).
            var bodiesOnly = DeclarationsUnchanged(currentRoot, editedRoot, offset);
            if (bodiesOnly && check.Speculate
                && SemanticModelReuse.SpeculativeBodyAt(editedRoot, offset) is { } editedBody
                && SemanticModelReuse.SpeculativeBodyAt(currentRoot, offset) is { } currentBody)
            {
                var (withRegion, withoutRegion) = Regions(currentBody, editedBody, offset, suggestion.Length);
                if (await SpeculativeErrorsAsync(editedRoot, editedBody, withRegion, offset, cancellationToken).ConfigureAwait(false) is { } with
                    && await SpeculativeErrorsWithoutAsync(currentRoot, currentBody, withoutRegion, offset, cancellationToken)
                        .ConfigureAwait(false) is { } without)
                {
                    return (CompilerErrors.FirstAdded(without, with), CompilerBinding.Speculative);
                }
            }
            if (!forkAllowed)
                return (null, CompilerBinding.None);
            return (FirstAddedInFork(edited, offset, suggestion, bodiesOnly, cancellationToken), CompilerBinding.Fork);
        }

        /// <summary>
        /// What both sides bind of a body: the statements the inserted text touches in the tree with it and those at the
        /// cursor in the tree without it (<see cref="SpeculativeErrors.Touched"/>), and the later statements of their
        /// block that name a local they declare (`var key = (rule, tags)` changes what `_lastFired[key]` binds to), as
        /// one stretch of the text without it, so both sides bind the same code however the parser split it.
        /// </summary>
        private static (TextSpan With, TextSpan Without) Regions(SyntaxNode currentBody, SyntaxNode editedBody, int offset, int length)
        {
            int Unedited(int position) => position <= offset ? position : Math.Max(offset, position - length);
            var (start, end) = (offset, offset);
            var withNodes = SpeculativeErrors.Touched(editedBody, new TextSpan(offset, length));
            var withoutNodes = SpeculativeErrors.Touched(currentBody, new TextSpan(offset, 0));
            foreach (var node in withNodes)
                (start, end) = (Math.Min(start, Unedited(node.SpanStart)), Math.Max(end, Unedited(node.Span.End)));
            foreach (var node in withoutNodes)
                (start, end) = (Math.Min(start, node.SpanStart), Math.Max(end, node.Span.End));
            var locals = withNodes.Concat(withoutNodes).SelectMany(DeclaredLocals).ToHashSet(StringComparer.Ordinal);
            if (locals.Count > 0 && withNodes.Count > 0 && withNodes[^1] is { Parent: { } block } last)
            {
                foreach (var later in block.ChildNodes().OfType<StatementSyntax>().Where(s => s.SpanStart > last.Span.End))
                {
                    if (later.DescendantTokens().Any(t => t.IsKind(SyntaxKind.IdentifierToken) && locals.Contains(t.ValueText)))
                        end = Math.Max(end, Unedited(later.Span.End));
                }
            }
            return (TextSpan.FromBounds(start, end + length), TextSpan.FromBounds(start, end));
        }

        /// <summary>The locals a statement declares into its block: declared variables and designations (`out var`, patterns).</summary>
        private static IEnumerable<string> DeclaredLocals(SyntaxNode statement) =>
            statement.DescendantNodesAndSelf(n => n is not (AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax or BlockSyntax) || n == statement)
                .Select(n => n switch
                {
                    VariableDeclaratorSyntax variable => variable.Identifier,
                    SingleVariableDesignationSyntax designation => designation.Identifier,
                    _ => default,
                })
                .Where(t => t.ValueText.Length > 0).Select(t => t.ValueText);

        /// <summary>
        /// The errors of <paramref name="region"/> of <paramref name="body"/> (code of <paramref name="root"/>), bound
        /// speculatively; null when it cannot be.
        /// </summary>
        private async Task<IReadOnlyList<CompilerError>?> SpeculativeErrorsAsync(
            SyntaxNode root, SyntaxNode body, TextSpan region, int offset, CancellationToken cancellationToken) =>
            await check._workspace.SemanticModels.TrySpeculateAsync(document, root, offset, cancellationToken).ConfigureAwait(false) is { } model
                ? SpeculativeErrors.In(model, body, region, cancellationToken)
                : null;

        /// <summary>The same for the document without the suggestion, kept for the other candidates and cuts.</summary>
        private async Task<IReadOnlyList<CompilerError>?> SpeculativeErrorsWithoutAsync(
            SyntaxNode root, SyntaxNode body, TextSpan region, int offset, CancellationToken cancellationToken)
        {
            var kept = check._without;
            if (kept is null || kept.Tree != current)
            {
                kept = new SpeculativeWithout(current, new());
                check._without = kept;
            }
            if (kept.Errors.TryGetValue((body.Span, region), out var errors))
                return errors;
            errors = await SpeculativeErrorsAsync(root, body, region, offset, cancellationToken).ConfigureAwait(false);
            if (errors is not null)
                kept.Errors[(body.Span, region)] = errors;
            return errors;
        }

        private CompilerError? FirstAddedInFork(SyntaxTree edited, int offset, string suggestion, bool bodiesOnly, CancellationToken cancellationToken)
        {
            var forked = check.WithoutNullable(compilation);
            var inserted = new TextSpan(offset, suggestion.Length);
            var editedRoot = edited.GetRoot(cancellationToken);
            var region = Region(editedRoot, inserted);
            var withModel = forked.ReplaceSyntaxTree(baseTree, edited).GetSemanticModel(edited);
            var added = FirstAdded(withModel, [region], inserted, bodiesOnly, cancellationToken);
            if (added is not null || bodiesOnly)
                return added;
            // After a declaration edit that adds no error where it is, the members it may break elsewhere in the
            // document are bound (only then: most declarations the model suggests add one where they are).
            var affected = AffectedMembers(current.GetRoot(cancellationToken), editedRoot, region, inserted).ToList();
            return affected.Count == 0 ? null : FirstAdded(withModel, affected, inserted, bodiesOnly, cancellationToken);
        }

        /// <summary>The first error that <paramref name="regions"/> have with the text inserted and not without it.</summary>
        private CompilerError? FirstAdded(
            SemanticModel withModel, IReadOnlyList<TextSpan> regions, TextSpan inserted, bool bodiesOnly, CancellationToken cancellationToken)
        {
            var with = regions.SelectMany(r => CompilerErrors.In(withModel, r, cancellationToken, bodiesOnly)).ToList();
            // No error with it: nothing to compare, and the regions without it are not bound at all.
            if (with.Count == 0)
                return null;
            var without = new List<CompilerError>();
            foreach (var withRegion in regions)
            {
                var regionWithout = Unedited(withRegion, inserted);
                if (!_errorsWithout.TryGetValue((regionWithout, bodiesOnly), out var errors))
                {
                    var forked = check.WithoutNullable(compilation);
                    _without ??= (baseTree == current ? forked : forked.ReplaceSyntaxTree(baseTree, current)).GetSemanticModel(current);
                    errors = CompilerErrors.In(_without, regionWithout, cancellationToken, bodiesOnly);
                    _errorsWithout[(regionWithout, bodiesOnly)] = errors;
                }
                without.AddRange(errors);
            }
            return CompilerErrors.FirstAdded(without, with);
        }

        /// <summary>A span of the text with <paramref name="inserted"/> in the text without it.</summary>
        private static TextSpan Unedited(TextSpan span, TextSpan inserted)
        {
            int Map(int position) => position <= inserted.Start ? position : Math.Max(inserted.Start, position - inserted.Length);
            return TextSpan.FromBounds(Map(span.Start), Map(span.End));
        }
    }

    /// <summary>
    /// Whether inserting at <paramref name="offset"/> changed no declaration: Roslyn's top-level equivalence (method and
    /// accessor bodies, expression bodies and field initializers left out), except that the semicolon ending the
    /// expression body or initializer the text went into may come with it (`=> _names.` completed by `Count;`).
    /// </summary>
    private static bool DeclarationsUnchanged(SyntaxNode currentRoot, SyntaxNode editedRoot, int offset)
    {
        if (editedRoot.IsEquivalentTo(currentRoot, topLevel: true))
            return true;
        return WithBodyTerminated(currentRoot, offset) is { } current && WithBodyTerminated(editedRoot, offset) is { } edited
            && edited.IsEquivalentTo(current, topLevel: true);
    }

    /// <summary>
    /// The tree with the semicolon after the expression body or initializer at <paramref name="offset"/> present, or null
    /// when there is none.
    /// </summary>
    private static SyntaxNode? WithBodyTerminated(SyntaxNode root, int offset)
    {
        var body = SemanticModelReuse.SpeculativeBodyAt(root, offset);
        var semicolon = body?.Parent switch
        {
            BaseMethodDeclarationSyntax method when body is ArrowExpressionClauseSyntax => method.SemicolonToken,
            AccessorDeclarationSyntax accessor when body is ArrowExpressionClauseSyntax => accessor.SemicolonToken,
            PropertyDeclarationSyntax property => property.SemicolonToken,
            IndexerDeclarationSyntax indexer => indexer.SemicolonToken,
            VariableDeclaratorSyntax { Parent.Parent: FieldDeclarationSyntax field } => field.SemicolonToken,
            _ => default,
        };
        return semicolon.IsKind(SyntaxKind.SemicolonToken) ? root.ReplaceToken(semicolon, SyntaxFactory.Token(SyntaxKind.SemicolonToken)) : null;
    }

    /// <summary>
    /// The members outside <paramref name="region"/> that a declaration edit may break: those after it that parse
    /// differently with the edit (an open parenthesis that takes the next member's text in: `var` read as a field's
    /// type), and those that name what the region declares (a property made init-only that a method assigns, a
    /// method whose callers pass other arguments); at most <see cref="MaxAffectedMembers"/>, the nearest first.
    /// </summary>
    private static IEnumerable<TextSpan> AffectedMembers(SyntaxNode currentRoot, SyntaxNode editedRoot, TextSpan region, TextSpan inserted)
    {
        var declared = DeclaredNames(editedRoot, region).Concat(DeclaredNames(currentRoot, TextSpan.FromBounds(region.Start, region.End - inserted.Length)))
            .ToHashSet(StringComparer.Ordinal);
        var affected = new List<TextSpan>();
        foreach (var member in MemberUnits(editedRoot))
        {
            if (member.Span.IntersectsWith(region))
                continue;
            var reparsed = member.SpanStart >= inserted.End && currentRoot.FindNode(new TextSpan(member.SpanStart - inserted.Length, member.Span.Length),
                getInnermostNodeForTie: false) is var before && !(before.RawKind == member.RawKind && before.Span.Length == member.Span.Length
                    && before.IsEquivalentTo(member));
            if (reparsed || member.DescendantTokens().Any(t => t.IsKind(SyntaxKind.IdentifierToken) && declared.Contains(t.ValueText)))
                affected.Add(member.Span);
        }
        return affected.OrderBy(span => Math.Abs(span.Start - inserted.Start)).Take(MaxAffectedMembers);
    }

    /// <summary>Members bound at most beyond those a declaration edit touches (each costs its binding in both forks).</summary>
    private const int MaxAffectedMembers = 6;

    /// <summary>The names of the members, types and primary constructor parameters declared within <paramref name="span"/>.</summary>
    private static IEnumerable<string> DeclaredNames(SyntaxNode root, TextSpan span) =>
        root.DescendantNodes(span).Select(node => node switch
        {
            BaseTypeDeclarationSyntax type => type.Identifier,
            MethodDeclarationSyntax method => method.Identifier,
            PropertyDeclarationSyntax property => property.Identifier,
            EventDeclarationSyntax declaredEvent => declaredEvent.Identifier,
            DelegateDeclarationSyntax declaredDelegate => declaredDelegate.Identifier,
            VariableDeclaratorSyntax { Parent.Parent: BaseFieldDeclarationSyntax } field => field.Identifier,
            ParameterSyntax { Parent.Parent: TypeDeclarationSyntax } parameter => parameter.Identifier,
            _ => default,
        }).Where(name => name.ValueText.Length > 0).Select(name => name.ValueText);

    /// <summary>The members that are no type (a type's own members are listed instead), and top-level statements.</summary>
    private static IEnumerable<MemberDeclarationSyntax> MemberUnits(SyntaxNode node) => node switch
    {
        CompilationUnitSyntax unit => unit.Members.SelectMany(MemberUnits),
        BaseNamespaceDeclarationSyntax ns => ns.Members.SelectMany(MemberUnits),
        TypeDeclarationSyntax type => type.Members.SelectMany(MemberUnits),
        EnumDeclarationSyntax => [],
        MemberDeclarationSyntax member => [member],
        _ => [],
    };

    /// <summary>
    /// What is bound for a suggestion: the using directives, members and type headers that the inserted text touches,
    /// from the first one's start to the last one's end (the inserted text itself when it touches none).
    /// </summary>
    private static TextSpan Region(SyntaxNode root, TextSpan inserted)
    {
        var (start, end) = (inserted.Start, inserted.End);
        foreach (var unit in Units(root))
        {
            if (unit.IntersectsWith(inserted))
                (start, end) = (Math.Min(start, unit.Start), Math.Max(end, unit.End));
        }
        return TextSpan.FromBounds(start, end);
    }

    /// <summary>The spans bound one at a time: a using directive, an assembly attribute, a type's header, a member, a top-level statement.</summary>
    private static IEnumerable<TextSpan> Units(SyntaxNode node) => node switch
    {
        CompilationUnitSyntax unit => unit.Usings.Select(u => u.Span).Concat(unit.AttributeLists.Select(a => a.Span)).Concat(unit.Members.SelectMany(Units)),
        BaseNamespaceDeclarationSyntax ns => ns.Usings.Select(u => u.Span).Prepend(TextSpan.FromBounds(ns.SpanStart, ns.Name.Span.End))
            .Concat(ns.Members.SelectMany(Units)),
        TypeDeclarationSyntax type => type.Members.SelectMany(Units).Prepend(Header(type)),
        EnumDeclarationSyntax type => type.Members.Select(m => m.Span).Prepend(Header(type)),
        _ => [node.Span],
    };

    /// <summary>
    /// A type's attributes, modifiers, name, base list and constraints, up to its opening brace; all of it when it has
    /// none (`record Loan(int Id);`).
    /// </summary>
    private static TextSpan Header(BaseTypeDeclarationSyntax type) => TextSpan.FromBounds(type.SpanStart,
        type.OpenBraceToken.IsKind(SyntaxKind.OpenBraceToken) && !type.OpenBraceToken.IsMissing ? type.OpenBraceToken.Span.End : type.Span.End);

    /// <summary>Where each token of the suggestion ends, in order, without the suggestion's own end.</summary>
    private static IEnumerable<int> TokenEnds(string suggestion) =>
        SyntaxFactory.ParseTokens(suggestion).Select(t => t.Span.End).Where(end => end > 0 && end < suggestion.TrimEnd().Length).Distinct();
}
