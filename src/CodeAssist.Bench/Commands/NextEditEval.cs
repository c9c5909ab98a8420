using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using CodeAssist.Bench.Performance;
using CodeAssist.Engine.Evaluation;
using Microsoft.CodeAnalysis.Text;

namespace CodeAssist.Bench.Commands;

/// <summary>One case's outcome through the server.</summary>
public sealed record NextEditCaseResult(
    string Kind, string Symbol, string File, int Required, bool LocationHit, bool Suggested, bool SuggestionAtRequired, bool? ExactMatch,
    double Milliseconds, string? FirstLocation, string? Error);

/// <summary>What `eval --next-edit` prints and writes.</summary>
public sealed record NextEditEvalReport(
    string Model, int Cases, double LocationAccuracy, double SuggestionRate, double SuggestionLocationAccuracy, int ExactMatchCases,
    double ExactMatch, double P50Milliseconds, double P95Milliseconds, IReadOnlyList<NextEditCaseResult> Results)
{
    public string Describe()
    {
        var text = new StringBuilder();
        text.Append(
            CultureInfo.InvariantCulture, $"{Model}: {Cases} next-edit cases, location accuracy {LocationAccuracy:P1} (first location at a required edit), ");
        text.Append(CultureInfo.InvariantCulture, $"suggested {SuggestionRate:P1}, first suggestion at a required edit {SuggestionLocationAccuracy:P1}, ");
        text.Append(CultureInfo.InvariantCulture, $"exact match {ExactMatch:P1} of {ExactMatchCases} cases with a determined edit; ");
        text.Append(CultureInfo.InvariantCulture, $"request p50 {P50Milliseconds:F0} ms, p95 {P95Milliseconds:F0} ms\n");
        foreach (var kind in Results.GroupBy(r => r.Kind))
        {
            var count = (double)kind.Count();
            text.Append(CultureInfo.InvariantCulture, $"  {kind.Key}: {kind.Count()} cases, location {kind.Count(r => r.LocationHit) / count:P1}, ");
            text.Append(CultureInfo.InvariantCulture, $"suggested {kind.Count(r => r.Suggested) / count:P1}, ");
            text.Append(CultureInfo.InvariantCulture, $"exact {kind.Count(r => r.ExactMatch == true)}/{kind.Count(r => r.ExactMatch is not null)}\n");
        }
        text.Append("  published anchor (an industrial next-edit system): location accuracy 75.6 %, exact match 27.7 %\n");
        return text.ToString();
    }
}

/// <summary>
/// `codeassist-bench eval --next-edit DIR [--cases N] [--seed S] [--model M] [--json FILE]`: next-edit cases generated
/// with Roslyn from the solution in DIR (<see cref="NextEditCases"/>), each sent to the real server as the user's edit
/// (a didChange), then codeAssist/nextEdit with its locations: location accuracy is whether the first location is a
/// line the compiler requires to change, exact match whether the first suggestion leaves such a line exactly as
/// required (where that is determined: a renamed call, a call given <c>default</c>). Each edit is undone afterwards.
/// </summary>
public static class NextEditEval
{
    public static async Task<int> RunAsync(DirectoryInfo directory, int count, int seed, string? modelPath, FileInfo? json, CancellationToken cancellationToken)
    {
        var (root, cases) = await GeneratedCaseEval.CasesAsync(
            directory, "--next-edit", count, (solution, token) => NextEditCases.GenerateAsync(solution, count, seed, token), cancellationToken)
            .ConfigureAwait(false);
        if (cases.Count == 0)
            throw new ArgumentException($"no method in {root} is called from source, so no next-edit case can be generated");
        var report = await MeasureAsync(root, cases, GeneratedCaseEval.Model(modelPath), cancellationToken).ConfigureAwait(false);
        return await GeneratedCaseEval.ReportAsync(report, report.Describe(), report.Results.Select(r => r.Error), json, cancellationToken)
            .ConfigureAwait(false);
    }

    public static async Task<NextEditEvalReport> MeasureAsync(string root, IReadOnlyList<NextEditCase> cases, string model, CancellationToken cancellationToken)
    {
        var (server, session) = await GeneratedCaseEval.ServeAsync(root, model, new { candidates = 1 }).ConfigureAwait(false);
        await using var _ = server;
        var results = new List<NextEditCaseResult>();
        foreach (var @case in cases)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var document = await session.OpenFileAsync(@case.FilePath, cancellationToken).ConfigureAwait(false);
            var original = document.Text.ToString(@case.FirstEdit.Span);
            await session.ChangeAsync(document, @case.FirstEdit.Span.Start, @case.FirstEdit.Span.End, @case.FirstEdit.NewText!).ConfigureAwait(false);
            var cursor = document.PositionOf(@case.FirstEdit.Span.Start + @case.FirstEdit.NewText!.Length);
            var clock = Stopwatch.StartNew();
            var response = await server.RequestAsync("codeAssist/nextEdit", new
            {
                textDocument = new { uri = document.Uri.AbsoluteUri },
                position = new { line = cursor.Line, character = cursor.Character },
                version = document.Version,
                includeLocations = true,
            }, TimeSpan.FromMinutes(10)).ConfigureAwait(false);
            var milliseconds = clock.Elapsed.TotalMilliseconds;
            results.Add(Score(@case, response.Result, response.Error, session, milliseconds));
            // Undone, so each case starts from the code as it is (the server drops an edit typed and undone).
            var start = @case.FirstEdit.Span.Start;
            await session.ChangeAsync(document, start, start + @case.FirstEdit.NewText.Length, original).ConfigureAwait(false);
        }
        await server.ShutdownAsync().ConfigureAwait(false);
        var times = results.Select(r => r.Milliseconds).Order().ToList();
        var determined = results.Where(r => r.ExactMatch is not null).ToList();
        return new NextEditEvalReport(Path.GetFileName(model), results.Count,
            results.Count(r => r.LocationHit) / (double)results.Count,
            results.Count(r => r.Suggested) / (double)results.Count,
            results.Count(r => r.SuggestionAtRequired) / (double)results.Count,
            determined.Count, determined.Count == 0 ? 0 : determined.Count(r => r.ExactMatch == true) / (double)determined.Count,
            Percentile(times, 0.5), Percentile(times, 0.95), results);
    }

    private static NextEditCaseResult Score(NextEditCase @case, JsonNode? result, string? error, EditorSession session, double milliseconds)
    {
        var file = Path.GetFileName(@case.FilePath);
        if (result is null)
        {
            return new NextEditCaseResult(
                @case.Kind.ToString(), @case.Symbol, file, @case.Required.Count, false, false, false, null, milliseconds, null, error ?? "no result");
        }
        (string Path, int Line)? At(JsonNode? item) => item is null ? null
            : (new Uri((string)item["textDocument"]!["uri"]!).LocalPath, (int)item["range"]!["start"]!["line"]!);
        RequiredEdit? RequiredAt((string Path, int Line)? place) =>
            place is { } p ? @case.Required.FirstOrDefault(r => r.FilePath == p.Path && r.Line == p.Line) : null;

        var firstLocation = At(result["locations"]?.AsArray().FirstOrDefault());
        var edit = result["edits"]?.AsArray().FirstOrDefault();
        var editAt = At(edit);
        var required = RequiredAt(editAt);
        bool? exact = null;
        var determined = @case.Required.Any(r => r.ExpectedLine is not null);
        if (determined)
            exact = false;
        if (edit is not null && required?.ExpectedLine is { } expected)
        {
            var text = session.OpenedFile(required.FilePath)?.Text ?? SourceText.From(File.ReadAllText(required.FilePath));
            var start = (int)edit["range"]!["start"]!["character"]!;
            var endLine = (int)edit["range"]!["end"]!["line"]!;
            var end = (int)edit["range"]!["end"]!["character"]!;
            if (endLine == required.Line)
            {
                var line = text.ToString(text.Lines[required.Line].Span);
                exact = line[..Math.Min(start, line.Length)] + (string?)edit["newText"] + line[Math.Min(end, line.Length)..] == expected;
            }
        }
        return new NextEditCaseResult(
            @case.Kind.ToString(), @case.Symbol, file, @case.Required.Count,
            RequiredAt(firstLocation) is not null, edit is not null, required is not null, exact,
            milliseconds, firstLocation is { } f ? $"{Path.GetFileName(f.Path)}:{f.Line + 1}" : null, error);
    }

    private static double Percentile(IReadOnlyList<double> sorted, double p) =>
        sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
}
