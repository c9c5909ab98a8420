using CodeAssist.Engine.Documents;
using CodeAssist.Engine.Evaluation;
using CodeAssist.Engine.NextEdit;
using Microsoft.CodeAnalysis.Text;

namespace CodeAssist.Bench.Performance;

/// <summary>
/// The next-edit figures of #21 on the generated solution, in-process and without a model: for cases generated with
/// Roslyn (<see cref="NextEditCases"/>: a method renamed, given a parameter, or its parameter or return type changed),
/// the first edit reaches the engine as a didChange would, then the time to the locations (<c>NextEditEngine.LocateAsync</c>,
/// what every codeAssist/nextEdit does first) and the time to validate one edit at the first location
/// (<see cref="NextEditValidator"/>: the edit that case requires where it is determined, else the line left as it is,
/// which costs the same compilation). Each edit is undone before the next case.
/// </summary>
internal static class NextEditBenchmark
{
    public static async Task<NextEditFigures> RunAsync(InProcessEngine engine, int cases, IBenchStep step, CancellationToken cancellationToken)
    {
        var generated = await NextEditCases.GenerateAsync(engine.Workspace.CurrentSolution, cases, seed: 1, cancellationToken).ConfigureAwait(false);
        var locate = new List<double>();
        var locateCpu = new List<double>();
        var phases = new Dictionary<string, List<double>>(StringComparer.Ordinal);
        var validate = new List<double>();
        var validateCpu = new List<double>();
        var hits = 0;
        var passed = 0;
        foreach (var @case in generated)
        {
            var uri = new Uri(@case.FilePath);
            var original = await File.ReadAllTextAsync(@case.FilePath, cancellationToken).ConfigureAwait(false);
            var opened = engine.Documents.Open(uri, "csharp", 1, original);
            var start = opened.PositionOf(@case.FirstEdit.Span.Start);
            var end = opened.PositionOf(@case.FirstEdit.Span.End);
            var edited = engine.Documents.Change(uri, 2, [new DocumentEdit(start, end, @case.FirstEdit.NewText!)]);
            try
            {
                var timings = new LocateTimings();
                var cpu = CpuClock.ThisProcessMilliseconds();
                var started = Clock.Now();
                var locations = await engine.NextEdits.LocateAsync(edited, @case.FirstEdit.Span.Start + @case.FirstEdit.NewText!.Length, timings, cancellationToken).ConfigureAwait(false);
                locate.Add(Clock.MillisecondsSince(started));
                locateCpu.Add(CpuClock.ThisProcessMilliseconds() - cpu);
                foreach (var (phase, ms) in timings.Milliseconds)
                    (phases.TryGetValue(phase, out var list) ? list : phases[phase] = []).Add(ms);
                if (locations.Count == 0)
                    continue;
                var first = locations[0];
                var solution = engine.Workspace.CurrentSolution;
                if (solution.GetDocumentIdsWithFilePath(first.FilePath).FirstOrDefault() is not { } id)
                    continue;
                var text = await solution.GetDocument(id)!.GetTextAsync(cancellationToken).ConfigureAwait(false);
                var line = text.Lines.GetLineFromPosition(first.Span.Start);
                var required = @case.Required.FirstOrDefault(r => r.FilePath == first.FilePath && r.Line == line.LineNumber);
                if (required is not null)
                    hits++;
                var change = new TextChange(line.Span, required?.ExpectedLine ?? text.ToString(line.Span));
                cpu = CpuClock.ThisProcessMilliseconds();
                started = Clock.Now();
                if (await NextEditValidator.ValidateAsync(solution, id, change, first, cancellationToken).ConfigureAwait(false))
                    passed++;
                validate.Add(Clock.MillisecondsSince(started));
                validateCpu.Add(CpuClock.ThisProcessMilliseconds() - cpu);
            }
            finally
            {
                engine.Documents.Change(uri, 3, [new DocumentEdit(null, null, original)]);
                engine.Documents.Close(uri);
                step.Advance();
            }
        }
        // A phase a case did not reach counts as 0 ms there, so every phase's distribution is over the same cases.
        return new NextEditFigures(generated.Count, Distribution.Of(locate), Distribution.Of(validate), hits, passed)
        {
            LocateCpuMs = Distribution.Of(locateCpu),
            ValidateCpuMs = Distribution.Of(validateCpu),
            LocatePhasesMs = phases.ToDictionary(p => p.Key, p => Distribution.Of([.. p.Value, .. Enumerable.Repeat(0.0, locate.Count - p.Value.Count)]), StringComparer.Ordinal),
        };
    }
}

/// <summary>
/// #21's speed figures: locations after an edit (goal p95 ≤ 30 ms on the 100k-line solution) and validating one
/// suggestion (goal p95 ≤ 50 ms); how many first locations were a required edit and how many validations passed.
/// </summary>
public sealed record NextEditFigures(int Cases, Distribution LocateMs, Distribution ValidateMs, int FirstLocationRequired, int ValidationsPassed)
{
    /// <summary>This process's CPU time over each location search (less sensitive to the machine's load than wall time).</summary>
    public Distribution? LocateCpuMs { get; init; }

    public Distribution? ValidateCpuMs { get; init; }

    /// <summary>Wall time of each phase of the location search (<see cref="LocateTimings"/>).</summary>
    public IReadOnlyDictionary<string, Distribution> LocatePhasesMs { get; init; } = new Dictionary<string, Distribution>();
}
