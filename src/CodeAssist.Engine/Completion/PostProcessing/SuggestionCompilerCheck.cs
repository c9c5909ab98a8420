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

/// <summary>
/// Suggestions the compiler accepts (issue #20): before a C# suggestion is shown, the compiler's binding errors of what
/// it touches — the members (a method with its body, a property, a field with its initializer and attributes, a
/// top-level statement), type headers and using directives around the inserted text — are compared with theirs
/// without it (<see cref="CompilerErrors"/>: errors of constructs the parser found unfinished do not count, except a
/// name that exists nowhere). A suggestion that adds an error is cut to its longest prefix, at a token boundary, that
/// parses and adds none, or dropped.
/// <para>
/// Both sides are forks of the last compilation built for the document's declarations (<see cref="SemanticModelReuse"/>,
/// the context build's base) with the document's tree replaced, and only the touched members are bound: a fork shares
/// the references' symbols and declaration tables, and binds the source symbols the member reaches, lazily. A
/// speculative semantic model, which binds cheaper still, cannot serve: Roslyn answers no diagnostics from one (its
/// member models throw NotSupportedException), and the errors it leaves out are the ones that got through before
/// (an embedded declaration, CS1023; a readonly assigned; a property's body). Nullable analysis, which reports only
/// warnings and is most of a body's binding time, is off in the forks.
/// </para>
/// </summary>
public sealed class SuggestionCompilerCheck(CodeWorkspace workspace)
{
    /// <summary>Prefixes bound at most when looking for a cut: each is one more fork bound.</summary>
    private const int MaxCutsTried = 2;

    /// <summary>The last base and its copy without nullable analysis, which the forks are made from (swapped whole: requests run concurrently).</summary>
    private ForkBase? _forkBase;

    private sealed record ForkBase(Compilation Base, Compilation WithoutNullable);

    /// <summary>Raised after each check with its verdict and how long it took (the bench and the eval print the times).</summary>
    public event Action<CompilerCheckResult, TimeSpan>? Checked;

    public async Task<CompilerCheckResult> CheckAsync(DocumentSnapshot document, int offset, string suggestion, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var result = await CheckUntimedAsync(document, offset, suggestion, cancellationToken).ConfigureAwait(false);
        Checked?.Invoke(result, clock.Elapsed);
        return result;
    }

    private async Task<CompilerCheckResult> CheckUntimedAsync(DocumentSnapshot document, int offset, string suggestion, CancellationToken cancellationToken)
    {
        if (!document.IsCSharp || workspace.GetDocument(document) is not { } current || !workspace.InLoadedProject(current))
            return new(suggestion, CompilerVerdict.Unchecked);
        if (await ForksAsync(current, offset, cancellationToken).ConfigureAwait(false) is not { } forks)
            return new(suggestion, CompilerVerdict.Unchecked);
        var error = forks.FirstAddedError(offset, suggestion, cancellationToken);
        if (error is null)
            return new(suggestion, CompilerVerdict.Accepted);
        var tried = 0;
        var limit = error.Span.Start > offset ? Math.Min(error.Span.Start - offset, suggestion.Length) : suggestion.Length;
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
            var prefixError = forks.FirstAddedError(offset, prefix, cancellationToken);
            if (prefixError is null)
                return new(prefix, CompilerVerdict.Cut, error.ToString());
            if (prefixError.Span.Start > offset)
                limit = Math.Min(limit, prefixError.Span.Start - offset);
        }
        return new(null, CompilerVerdict.Dropped, error.ToString());
    }

    /// <summary>The forks a check binds, or null when the document's declarations have no compilation to fork.</summary>
    private async Task<Forks?> ForksAsync(Document current, int offset, CancellationToken cancellationToken)
    {
        var found = await workspace.SemanticModels.TryGetBaseAsync(current, cancellationToken).ConfigureAwait(false);
        if (found is null)
        {
            // No base of these declarations yet (the context build did not bind anything): made as a context build
            // makes it, once.
            await workspace.SemanticModels.GetAsync(current, offset, cancellationToken).ConfigureAwait(false);
            found = await workspace.SemanticModels.TryGetBaseAsync(current, cancellationToken).ConfigureAwait(false);
        }
        if (found is not var (compilation, baseTree) || await current.GetSyntaxTreeAsync(cancellationToken).ConfigureAwait(false) is not { } tree)
            return null;
        var forkBase = _forkBase;
        if (forkBase is null || forkBase.Base != compilation)
        {
            var withoutNullable = compilation is CSharpCompilation csharp
                ? csharp.WithOptions(csharp.Options.WithNullableContextOptions(NullableContextOptions.Disable))
                : compilation;
            forkBase = new ForkBase(compilation, withoutNullable);
            _forkBase = forkBase;
        }
        return new Forks(forkBase.WithoutNullable, baseTree, tree);
    }

    /// <summary>The last compilation with the document's tree replaced: without the suggestion (made once), and with each text tried.</summary>
    private sealed class Forks(Compilation compilation, SyntaxTree baseTree, SyntaxTree current)
    {
        private readonly Dictionary<(TextSpan, bool), IReadOnlyList<CompilerError>> _errorsWithout = [];
        private SemanticModel? _without;

        public CompilerError? FirstAddedError(int offset, string suggestion, CancellationToken cancellationToken)
        {
            var edited = current.WithChangedText(current.GetText(cancellationToken).WithChanges(new TextChange(new TextSpan(offset, 0), suggestion)));
            var inserted = new TextSpan(offset, suggestion.Length);
            var region = Region(edited.GetRoot(cancellationToken), inserted);
            // Text inserted into a method body changes no declaration: only the bodies in the region are bound, the
            // declarations' errors being those of the text without it (most of a fork's binding time when a member's
            // type is completed).
            var bodiesOnly = edited.GetRoot(cancellationToken).IsEquivalentTo(current.GetRoot(cancellationToken), topLevel: true);
            var with = CompilerErrors.In(compilation.ReplaceSyntaxTree(baseTree, edited).GetSemanticModel(edited), region, cancellationToken, bodiesOnly);
            // No error with it: nothing to compare, and the region without it is not bound at all.
            if (with.Count == 0)
                return null;
            var regionWithout = TextSpan.FromBounds(region.Start, region.End - suggestion.Length);
            if (!_errorsWithout.TryGetValue((regionWithout, bodiesOnly), out var without))
            {
                _without ??= (baseTree == current ? compilation : compilation.ReplaceSyntaxTree(baseTree, current)).GetSemanticModel(current);
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
