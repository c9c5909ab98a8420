using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace CodeAssist.Engine.NextEdit;

/// <summary>A reference found by <c>SymbolFinder</c>, kept as plain data: where it is and in which document.</summary>
internal sealed record FoundReference(DocumentId DocumentId, string FilePath, TextSpan Span);

/// <summary>The references of one declaration and how the symbol is shown in a reason.</summary>
internal sealed record FoundReferences(string SymbolDisplay, IReadOnlyList<FoundReference> References);

/// <summary>
/// What the compiler said about one solution snapshot, kept while the snapshot lives: each document's errors and each
/// changed declaration's references. A Roslyn <see cref="Solution"/> never changes, so nothing kept here can go stale:
/// an edit makes a new solution, which starts with nothing kept. The location search and the validation share it, so
/// the errors the search found in a document are the validation's "before", and a solution answered again by
/// <see cref="SolutionsByContent"/> answers from here. A computation cancelled by the request that started it is
/// started again by the next request that needs it.
/// </summary>
internal static class CompilerResults
{
    private sealed class Kept
    {
        public readonly ConcurrentDictionary<(DocumentId, TextSpan?), Lazy<Task<IReadOnlyList<Diagnostic>>>> Errors = new();
        public readonly ConcurrentDictionary<(DocumentId, TextSpan), Lazy<Task<IReadOnlyList<Diagnostic>>>> SyntaxAndBodyErrors = new();
        public readonly ConcurrentDictionary<(DocumentId, TextSpan), Lazy<Task<FoundReferences?>>> References = new();
    }

    private static readonly ConditionalWeakTable<Solution, Kept> KeptBySolution = new();

    /// <summary>
    /// The document's compiler errors (syntax, declarations and method bodies), or with <paramref name="span"/> those
    /// Roslyn reports within it (binding only the members there), computed once per solution.
    /// </summary>
    public static Task<IReadOnlyList<Diagnostic>> ErrorsAsync(Document document, TextSpan? span, CancellationToken cancellationToken) =>
        GetOrComputeAsync(KeptBySolution.GetValue(document.Project.Solution, _ => new()).Errors, (document.Id, span),
            token => ComputeErrorsAsync(document, span, token), cancellationToken);

    /// <summary>
    /// The parser's errors and the method bodies' (and initializers') errors within <paramref name="span"/>, computed once
    /// per solution: <see cref="ErrorsAsync"/> without the declaration stage, whose completion of the symbols declared in
    /// the span (a type's members checked against each other and its base) is, in a compilation made new by an edit, half
    /// the cost of a member's first binding. A member whose declaration names nothing the edits changed has the same
    /// declaration errors before and after them, so its errors are compared without them, on both sides (the location
    /// search and the validation): the same errors are new either way.
    /// </summary>
    public static Task<IReadOnlyList<Diagnostic>> SyntaxAndBodyErrorsAsync(Document document, TextSpan span, CancellationToken cancellationToken) =>
        GetOrComputeAsync(KeptBySolution.GetValue(document.Project.Solution, _ => new()).SyntaxAndBodyErrors, (document.Id, span),
            token => ComputeSyntaxAndBodyErrorsAsync(document, span, token), cancellationToken);

    /// <summary>What <see cref="SyntaxAndBodyErrorsAsync"/> keeps, computed (nothing kept): the validation's fork, made for one edit.</summary>
    internal static async Task<IReadOnlyList<Diagnostic>> ComputeSyntaxAndBodyErrorsAsync(Document document, TextSpan span, CancellationToken cancellationToken)
    {
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        return model is null
            ? []
            : Errors(model.GetSyntaxDiagnostics(span, cancellationToken).Concat(model.GetMethodBodyDiagnostics(span, cancellationToken)));
    }

    /// <summary>
    /// The references <paramref name="find"/> finds for the declaration at <paramref name="declaration"/> of a
    /// document of <paramref name="solution"/>, found once per solution.
    /// </summary>
    public static Task<FoundReferences?> ReferencesAsync(Solution solution, DocumentId document, TextSpan declaration,
        Func<CancellationToken, Task<FoundReferences?>> find, CancellationToken cancellationToken) =>
        GetOrComputeAsync(KeptBySolution.GetValue(solution, _ => new()).References, (document, declaration), find, cancellationToken);

    /// <summary>How many documents' or members' errors are kept with <paramref name="solution"/>: what a test asks to know a search ran on it.</summary>
    /// <summary>
    /// The spans of a document whose errors are kept with <paramref name="solution"/> (null: the whole document): what a
    /// test asks to know what a search bound.
    /// </summary>
    internal static IReadOnlyList<TextSpan?> KeptSpans(Solution solution, DocumentId document) =>
        KeptBySolution.TryGetValue(solution, out var kept)
            ? [.. kept.Errors.Keys.Where(k => k.Item1 == document).Select(k => k.Item2),
                .. kept.SyntaxAndBodyErrors.Keys.Where(k => k.Item1 == document).Select(k => (TextSpan?)k.Item2)]
            : [];

    internal static int KeptErrors(Solution solution) =>
        KeptBySolution.TryGetValue(solution, out var kept) ? kept.Errors.Count + kept.SyntaxAndBodyErrors.Count : 0;

    internal static async Task<IReadOnlyList<Diagnostic>> ComputeErrorsAsync(Document document, TextSpan? span, CancellationToken cancellationToken)
    {
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        return model is null ? [] : Errors(model.GetDiagnostics(span, cancellationToken));
    }

    private static IReadOnlyList<Diagnostic> Errors(IEnumerable<Diagnostic> diagnostics) => [.. diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)];

    private static async Task<T> GetOrComputeAsync<TKey, T>(ConcurrentDictionary<TKey, Lazy<Task<T>>> kept, TKey key, Func<CancellationToken, Task<T>> compute,
        CancellationToken cancellationToken) where TKey : notnull
    {
        while (true)
        {
            var entry = kept.GetOrAdd(key, _ => new Lazy<Task<T>>(() => compute(cancellationToken)));
            try
            {
                return await entry.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // The request that started it was cancelled, this one was not: it computes it again.
                kept.TryRemove(new KeyValuePair<TKey, Lazy<Task<T>>>(key, entry));
            }
        }
    }
}
