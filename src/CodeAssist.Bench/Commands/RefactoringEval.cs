using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using CodeAssist.Bench.Performance;
using CodeAssist.Engine.Evaluation;
using CodeAssist.Engine.Refactoring;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace CodeAssist.Bench.Commands;

/// <summary>
/// One refactoring case through the server. <see cref="Validated"/>: the server answered an edit, which it sends only
/// once Roslyn found no new errors. <see cref="ExactMatch"/>: the method equals the synthesised reference,
/// whitespace-blind (null where there is none). <see cref="WellFormed"/>: for "Document this member", the new comment
/// is well-formed XML documentation whose &lt;param&gt; tags name exactly the real parameters. <see cref="Safe"/>: for
/// "Simplify", refused, unchanged, or exactly Roslyn's own simplification.
/// </summary>
public sealed record RefactoringCaseResult(
    string Kind, string Member, string File, int Lines, bool Validated, bool? ExactMatch, bool? WellFormed, bool? Safe, double Milliseconds,
    string? Refusal);

/// <summary>Per refactoring: how many cases, and the shares the goals are stated in.</summary>
public sealed record RefactoringKindScore(
    string Kind, int Cases, double Validated, int ReferenceCases, double ExactMatch, double? WellFormed, double? Safe,
    double P50Milliseconds, double P95Milliseconds);

/// <summary>What `eval --refactorings` prints and writes.</summary>
public sealed record RefactoringEvalReport(string Model, IReadOnlyList<RefactoringKindScore> Kinds, IReadOnlyList<RefactoringCaseResult> Results)
{
    public string Describe()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{Model}: {Results.Count} refactoring cases on methods of up to {RefactoringCases.MaxLines} lines\n");
        foreach (var kind in Kinds)
        {
            text.Append(CultureInfo.InvariantCulture, $"  {kind.Kind}: {kind.Cases} cases, validated {kind.Validated:P1}");
            if (kind.ReferenceCases > 0)
                text.Append(CultureInfo.InvariantCulture, $", exact match {kind.ExactMatch:P1} of {kind.ReferenceCases}");
            if (kind.WellFormed is { } wellFormed)
                text.Append(CultureInfo.InvariantCulture, $", well-formed naming the parameters {wellFormed:P1}");
            if (kind.Safe is { } safe)
                text.Append(CultureInfo.InvariantCulture, $", only Roslyn's simplifications or refused {safe:P1}");
            text.Append(CultureInfo.InvariantCulture, $"; p50 {kind.P50Milliseconds:F0} ms, p95 {kind.P95Milliseconds:F0} ms\n");
        }
        text.Append("  goals (#24): validation validated >= 80 %, documentation validated >= 90 %, ");
        text.Append("simplify only Roslyn's simplifications or refused 100 %, <= 1 s each\n");
        return text.ToString();
    }
}

/// <summary>
/// `codeassist-bench eval --refactorings DIR [--cases N] [--seed S] [--model M] [--json FILE]`: "Add argument
/// validation", "Document this member" and "Simplify" on methods of the solution in DIR (<see cref="RefactoringCases"/>),
/// each listed and resolved through the real server's code actions as an editor does, scored against what Roslyn
/// determines. A case's set-up (the lengthened method for Simplify) is typed into the open document first and undone after.
/// </summary>
public static class RefactoringEval
{
    public static async Task<int> RunAsync(
        DirectoryInfo directory, int countPerKind, int seed, string? modelPath, FileInfo? json, CancellationToken cancellationToken)
    {
        var (root, cases) = await GeneratedCaseEval.CasesAsync(directory, "--refactorings", countPerKind,
            (solution, token) => RefactoringCases.GenerateAsync(solution, countPerKind, seed, token), cancellationToken).ConfigureAwait(false);
        if (cases.Count == 0)
            throw new ArgumentException($"no method in {root} fits a refactoring case (a body of up to {RefactoringCases.MaxLines} lines)");
        var report = await MeasureAsync(root, cases, GeneratedCaseEval.Model(modelPath), cancellationToken).ConfigureAwait(false);
        var problems = report.Results.Select(r => r.Refusal is null ? null : $"refused: {r.Refusal}");
        return await GeneratedCaseEval.ReportAsync(report, report.Describe(), problems, json, cancellationToken).ConfigureAwait(false);
    }

    public static async Task<RefactoringEvalReport> MeasureAsync(
        string root, IReadOnlyList<RefactoringCase> cases, string model, CancellationToken cancellationToken)
    {
        var (server, session) = await GeneratedCaseEval.ServeAsync(root, model).ConfigureAwait(false);
        await using var _ = server;
        var results = new List<RefactoringCaseResult>();
        foreach (var @case in cases)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var document = await session.OpenFileAsync(@case.FilePath, cancellationToken).ConfigureAwait(false);
            var original = document.Text;
            if (@case.Setup is { } setup)
                await session.ChangeAsync(document, setup.Span.Start, setup.Span.End, setup.NewText!).ConfigureAwait(false);
            results.Add(await RunCaseAsync(server, document, @case).ConfigureAwait(false));
            if (@case.Setup is { } done)
            {
                await session.ChangeAsync(document, done.Span.Start, done.Span.Start + done.NewText!.Length, original.ToString(done.Span))
                    .ConfigureAwait(false);
            }
        }
        await server.ShutdownAsync().ConfigureAwait(false);
        var scores = RefactoringCases.Kinds
            .Select(k => Score(k, results.Where(r => r.Kind == RefactoringKinds.Title(k)).ToList()))
            .Where(s => s.Cases > 0);
        return new RefactoringEvalReport(Path.GetFileName(model), [.. scores], results);
    }

    private static async Task<RefactoringCaseResult> RunCaseAsync(LspServerProcess server, EditorDocument document, RefactoringCase @case)
    {
        var title = RefactoringKinds.Title(@case.Kind);
        RefactoringCaseResult Result(bool validated, bool? exact, bool? wellFormed, bool? safe, double milliseconds, string? refusal) =>
            new(title, @case.Member, Path.GetFileName(@case.FilePath), @case.Lines, validated, exact, wellFormed, safe, milliseconds, refusal);
        var (line, character) = document.PositionOf(@case.Position);
        var position = new { line, character };
        var listed = await server.RequestAsync("textDocument/codeAction", new
        {
            textDocument = new { uri = document.Uri.AbsoluteUri },
            range = new { start = position, end = position },
            context = new { diagnostics = Array.Empty<object>() },
        }, TimeSpan.FromMinutes(10)).ConfigureAwait(false);
        var action = listed.Result?.AsArray().FirstOrDefault(a => (string?)a?["title"] == "CodeAssist: " + title);
        if (action is null)
        {
            return Result(false, null, null, @case.Kind == RefactoringKind.Simplify ? true : null, 0,
                $"not offered at {@case.Member}" + (listed.Error is { } e ? $": {e}" : ""));
        }
        var clock = Stopwatch.StartNew();
        var resolved = await server.RequestAsync("codeAction/resolve", action.DeepClone(), TimeSpan.FromMinutes(10)).ConfigureAwait(false);
        var milliseconds = clock.Elapsed.TotalMilliseconds;
        if (resolved.Result?["edit"] is not { } edit)
        {
            return Result(
                false, @case.Reference is null ? null : false, @case.Kind == RefactoringKind.Document ? false : null,
                @case.Kind == RefactoringKind.Simplify ? true : null, milliseconds, resolved.Error ?? "no edit");
        }
        var after = Apply(document, edit);
        var method = MethodNear(after, @case.Position);
        var exact = @case.Reference is null
            ? (bool?)null
            : method is not null && RefactoringCases.Normalize(method.ToString()) == RefactoringCases.Normalize(@case.Reference);
        return @case.Kind switch
        {
            RefactoringKind.Document => Result(true, exact, DocumentsExactly(after, @case.Position, @case.Parameters), null, milliseconds, null),
            RefactoringKind.Simplify => Result(true, exact, null, exact == true || method is not null && MethodNear(document.Text, @case.Position) is { } before
                && RefactoringCases.Normalize(method.ToString()) == RefactoringCases.Normalize(before.ToString()), milliseconds, null),
            _ => Result(true, exact, null, null, milliseconds, null),
        };
    }

    /// <summary>The document's text with the workspace edit's changes to it applied (LSP ranges on the text before).</summary>
    private static SourceText Apply(EditorDocument document, JsonNode edit)
    {
        var changes = new List<TextChange>();
        foreach (var change in edit["documentChanges"]?.AsArray() ?? [])
        {
            if ((string?)change?["textDocument"]?["uri"] != document.Uri.AbsoluteUri)
                continue;
            foreach (var item in change!["edits"]!.AsArray())
            {
                int Offset(JsonNode at) => document.Text.Lines[(int)at["line"]!].Start + (int)at["character"]!;
                changes.Add(new TextChange(TextSpan.FromBounds(Offset(item!["range"]!["start"]!), Offset(item["range"]!["end"]!)), (string)item["newText"]!));
            }
        }
        return document.Text.WithChanges(changes);
    }

    /// <summary>The method declared nearest to <paramref name="position"/> (the refactored one keeps its place).</summary>
    private static MethodDeclarationSyntax? MethodNear(SourceText text, int position) =>
        CSharpSyntaxTree.ParseText(text).GetRoot().DescendantNodes().OfType<MethodDeclarationSyntax>().MinBy(m => Math.Abs(m.Identifier.SpanStart - position));

    /// <summary>
    /// The method near <paramref name="position"/> has a documentation comment that parses without XML errors (the
    /// text is parsed with documentation diagnostics on), has a summary, and whose &lt;param&gt; tags name exactly the
    /// method's parameters.
    /// </summary>
    private static bool DocumentsExactly(SourceText text, int position, IReadOnlyList<string> parameters)
    {
        var tree = CSharpSyntaxTree.ParseText(text, new CSharpParseOptions(documentationMode: DocumentationMode.Diagnose));
        var method = tree.GetRoot().DescendantNodes().OfType<MethodDeclarationSyntax>().MinBy(m => Math.Abs(m.Identifier.SpanStart - position));
        var comment = method?.GetLeadingTrivia().Select(t => t.GetStructure()).OfType<DocumentationCommentTriviaSyntax>().FirstOrDefault();
        if (method is null || comment is null || tree.GetDiagnostics(method).Any())
            return false;
        var elements = comment.Content.OfType<XmlElementSyntax>().ToList();
        var named = elements.Where(e => e.StartTag.Name.LocalName.ValueText == "param")
            .Select(e => e.StartTag.Attributes.OfType<XmlNameAttributeSyntax>().FirstOrDefault()?.Identifier.Identifier.ValueText).ToList();
        return elements.Any(e => e.StartTag.Name.LocalName.ValueText == "summary")
            && named.Order(StringComparer.Ordinal).SequenceEqual(parameters.Order(StringComparer.Ordinal));
    }

    private static RefactoringKindScore Score(RefactoringKind kind, IReadOnlyList<RefactoringCaseResult> results)
    {
        double Share(Func<RefactoringCaseResult, bool> hit, IReadOnlyList<RefactoringCaseResult> of) => of.Count == 0 ? 0 : of.Count(hit) / (double)of.Count;
        var withReference = results.Where(r => r.ExactMatch is not null).ToList();
        var times = Distribution.Of([.. results.Where(r => r.Milliseconds > 0).Select(r => r.Milliseconds)]);
        return new RefactoringKindScore(
            RefactoringKinds.Title(kind), results.Count, Share(r => r.Validated, results),
            withReference.Count, Share(r => r.ExactMatch == true, withReference),
            kind == RefactoringKind.Document ? Share(r => r.WellFormed == true, results) : null,
            kind == RefactoringKind.Simplify ? Share(r => r.Safe == true, results) : null,
            times.P50, times.P95);
    }
}
