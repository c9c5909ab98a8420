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
/// Inside a method body (an edit that changes no declaration) the method is bound speculatively against the last
/// compilation (<see cref="SemanticModelReuse"/>, the context build's base): no compilation is made, the
/// declarations are bound already, and a binding costs about a millisecond. Roslyn reports no diagnostics from a
/// speculative model, so the errors are read from what binding left (<see cref="SpeculativeErrors"/>, one rule per
/// kind of error); the cut tries are bound the same way.
/// </para>
/// <para>
/// Anywhere else — a member's declaration, a field with its initializer and attributes, an expression-bodied
/// property, a type header, a using directive, a top-level statement — both sides are forks of the last compilation
/// with the document's tree replaced, and only the touched members are bound (their declaration and body
/// diagnostics, nullable analysis off): a fork shares the references' symbols but makes the source symbols again on
/// demand, 15–75 ms on a loaded machine, and each cut tried is one more fork. (Showing the prefix before the first
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

    /// <summary>The errors of the last method body bound without a suggestion (every candidate of a request lands in the same one).</summary>
    private BodyErrors? _lastWithout;

    private sealed record ForkBase(Compilation Base, Compilation WithoutNullable);

    private sealed record BodyErrors(SyntaxTree Tree, TextSpan Body, IReadOnlyList<CompilerError> Errors);

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
            if (!CSharpSyntaxFilter.Parses(document.Text, offset, offset, prefix, cancellationToken))
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
    /// The document against the last compilation: speculative bindings of the method body a text lands in, and forks
    /// of the compilation with the document's tree replaced (without the suggestion made once, with each text tried).
    /// </summary>
    private sealed class Bindings(SuggestionCompilerCheck check, Document document, Compilation compilation, SyntaxTree baseTree, SyntaxTree current)
    {
        private readonly Dictionary<(TextSpan, bool), IReadOnlyList<CompilerError>> _errorsWithout = [];
        private SemanticModel? _without;

        public async Task<(CompilerError? Error, CompilerBinding Binding)> FirstAddedErrorAsync(
            int offset, string suggestion, bool forkAllowed, CancellationToken cancellationToken)
        {
            var edited = current.WithChangedText(current.GetText(cancellationToken).WithChanges(new TextChange(new TextSpan(offset, 0), suggestion)));
            var editedRoot = edited.GetRoot(cancellationToken);
            // Text inserted into a method body changes no declaration: the body is bound speculatively, or in a fork
            // whose declarations' errors are those of the text without it (most of a fork's binding time when a
            // member's type is completed).
            var bodiesOnly = editedRoot.IsEquivalentTo(current.GetRoot(cancellationToken), topLevel: true);
            if (bodiesOnly && check.Speculate && await SpeculativeErrorsAsync(editedRoot, offset, cancellationToken).ConfigureAwait(false) is { } with)
            {
                var without = await SpeculativeErrorsAsync(current.GetRoot(cancellationToken), offset, cancellationToken).ConfigureAwait(false);
                if (without is not null)
                    return (CompilerErrors.FirstAdded(without, with), CompilerBinding.Speculative);
            }
            if (!forkAllowed)
                return (null, CompilerBinding.None);
            return (FirstAddedInFork(edited, offset, suggestion, bodiesOnly, cancellationToken), CompilerBinding.Fork);
        }

        /// <summary>
        /// The errors of the method body at <paramref name="offset"/> in <paramref name="root"/>, bound speculatively;
        /// null when it cannot be.
        /// </summary>
        private async Task<IReadOnlyList<CompilerError>?> SpeculativeErrorsAsync(SyntaxNode root, int offset, CancellationToken cancellationToken)
        {
            var method = root.FindToken(Math.Max(0, offset - 1)).Parent?.AncestorsAndSelf().OfType<BaseMethodDeclarationSyntax>().FirstOrDefault();
            if (((SyntaxNode?)method?.Body ?? method?.ExpressionBody) is not { } body)
                return null;
            if (root == current.GetRoot(cancellationToken) && check._lastWithout is { } last && last.Tree == current && last.Body == body.Span)
                return last.Errors;
            if (await check._workspace.SemanticModels.TrySpeculateAsync(document, root, offset, cancellationToken).ConfigureAwait(false) is not { } model)
                return null;
            var errors = SpeculativeErrors.In(model, body, cancellationToken);
            if (root == current.GetRoot(cancellationToken))
                check._lastWithout = new BodyErrors(current, body.Span, errors);
            return errors;
        }

        private CompilerError? FirstAddedInFork(SyntaxTree edited, int offset, string suggestion, bool bodiesOnly, CancellationToken cancellationToken)
        {
            var forked = check.WithoutNullable(compilation);
            var inserted = new TextSpan(offset, suggestion.Length);
            var region = Region(edited.GetRoot(cancellationToken), inserted);
            var with = CompilerErrors.In(forked.ReplaceSyntaxTree(baseTree, edited).GetSemanticModel(edited), region, cancellationToken, bodiesOnly);
            // No error with it: nothing to compare, and the region without it is not bound at all.
            if (with.Count == 0)
                return null;
            var regionWithout = TextSpan.FromBounds(region.Start, region.End - suggestion.Length);
            if (!_errorsWithout.TryGetValue((regionWithout, bodiesOnly), out var without))
            {
                _without ??= (baseTree == current ? forked : forked.ReplaceSyntaxTree(baseTree, current)).GetSemanticModel(current);
                without = CompilerErrors.In(_without, regionWithout, cancellationToken, bodiesOnly);
                _errorsWithout[(regionWithout, bodiesOnly)] = without;
            }
            return CompilerErrors.FirstAdded(without, with);
        }
    }

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
