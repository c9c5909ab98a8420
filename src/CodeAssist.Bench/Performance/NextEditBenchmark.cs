using CodeAssist.Engine.Documents;
using CodeAssist.Engine.Evaluation;
using CodeAssist.Engine.NextEdit;
using CodeAssist.Inference.Devices;
using Microsoft.CodeAnalysis.Text;

namespace CodeAssist.Bench.Performance;

/// <summary>
/// The next-edit figures of #21 on the generated solution, in-process. For cases generated with Roslyn
/// (<see cref="NextEditCases"/>: a method renamed, given a parameter, or its parameter or return type changed), the
/// first edit reaches the engine as a didChange would, then the time to the locations (<c>NextEditEngine.LocateAsync</c>,
/// what every codeAssist/nextEdit does first) and the time to validate one edit at the first location
/// (<see cref="NextEditValidator"/>: the edit that case requires where it is determined, else the line left as it is,
/// which costs the same compilation). Each case runs twice, each time right after its edit: once as the engine does
/// (reusing what earlier requests computed) and once with nothing reused (<c>reuse: false</c>, what the code did
/// before the reuse existed), the order alternating case by case; both must give the same locations and verdicts.
/// Then, on other cases, whole suggestions with the model: the request's wall time over the model's generation time
/// in it. Each edit is undone before the next.
/// </summary>
internal static class NextEditBenchmark
{
    public static async Task<NextEditFigures> RunAsync(
        InProcessEngine engine, int cases, int suggestionCases, string modelDirectory, IBenchStep step, CancellationToken cancellationToken)
    {
        var generated = await NextEditCases.GenerateAsync(engine.Workspace.CurrentSolution, cases, seed: 1, cancellationToken).ConfigureAwait(false);
        var sides = new Dictionary<bool, Side> { [true] = new(engine.NextEdits.Locator), [false] = new(new NextEditLocator(reuse: false)) };
        var hits = 0;
        var passed = 0;
        var same = 0;
        var index = 0;
        foreach (var @case in generated)
        {
            var uri = new Uri(@case.FilePath);
            var original = await File.ReadAllTextAsync(@case.FilePath, cancellationToken).ConfigureAwait(false);
            var document = engine.Documents.Open(uri, "csharp", 1, original);
            try
            {
                var outcomes = new Dictionary<bool, (string Locations, bool? Passed, bool Hit)>();
                foreach (var reuse in index++ % 2 == 0 ? new[] { true, false } : [false, true])
                {
                    var start = document.PositionOf(@case.FirstEdit.Span.Start);
                    var end = document.PositionOf(@case.FirstEdit.Span.End);
                    var edited = engine.Documents.Change(uri, document.Version + 1, [new DocumentEdit(start, end, @case.FirstEdit.NewText!)]);
                    try
                    {
                        outcomes[reuse] = await sides[reuse].MeasureAsync(engine, @case, edited, cancellationToken).ConfigureAwait(false);
                    }
                    finally
                    {
                        document = engine.Documents.Change(uri, edited.Version + 1, [new DocumentEdit(null, null, original)]);
                    }
                }
                if (outcomes[true].Hit)
                    hits++;
                if (outcomes[true].Passed == true)
                    passed++;
                if (outcomes[true].Locations == outcomes[false].Locations && outcomes[true].Passed == outcomes[false].Passed)
                    same++;
            }
            finally
            {
                engine.Documents.Close(uri);
                step.Advance();
            }
        }
        var suggestions = await SuggestionsAsync(engine, generated, suggestionCases, modelDirectory, step, cancellationToken).ConfigureAwait(false);
        var reused = sides[true];
        return new NextEditFigures(generated.Count, Distribution.Of(reused.Locate), Distribution.Of(reused.Validate), hits, passed)
        {
            LocateCpuMs = Distribution.Of(reused.LocateCpu),
            ValidateCpuMs = Distribution.Of(reused.ValidateCpu),
            LocatePhasesMs = reused.Phases(),
            WithoutReuse = new NextEditSideFigures(
                Distribution.Of(sides[false].Locate), Distribution.Of(sides[false].LocateCpu), Distribution.Of(sides[false].Validate),
                Distribution.Of(sides[false].ValidateCpu), sides[false].Phases()),
            SameResults = same,
            Suggestions = suggestions,
        };
    }

    /// <summary>One side of the comparison: a locator and what it measured.</summary>
    private sealed class Side(NextEditLocator locator)
    {
        public List<double> Locate { get; } = [];
        public List<double> LocateCpu { get; } = [];
        public List<double> Validate { get; } = [];
        public List<double> ValidateCpu { get; } = [];
        private readonly Dictionary<string, List<double>> _phases = new(StringComparer.Ordinal);

        public async Task<(string Locations, bool? Passed, bool Hit)> MeasureAsync(
            InProcessEngine engine, NextEditCase @case, DocumentSnapshot edited, CancellationToken cancellationToken)
        {
            var timings = new LocateTimings();
            var solution = engine.Workspace.CurrentSolution;
            var history = engine.NextEdits.History.Edited();
            var cpu = CpuClock.ThisProcessMilliseconds();
            var started = Clock.Now();
            var cursor = @case.FirstEdit.Span.Start + @case.FirstEdit.NewText!.Length;
            var locations = await locator.LocateAsync(solution, history, edited.FilePath, cursor, timings, cancellationToken).ConfigureAwait(false);
            Locate.Add(Clock.MillisecondsSince(started));
            LocateCpu.Add(CpuClock.ThisProcessMilliseconds() - cpu);
            foreach (var (phase, ms) in timings.Milliseconds)
                (_phases.TryGetValue(phase, out var list) ? list : _phases[phase] = []).Add(ms);
            var described = string.Join("\n",
                locations.Select(l => $"{l.Kind} {l.FilePath} {l.Span} {l.Reason} {string.Join("|", l.TargetDiagnostics)} {l.RepeatedText}"));
            if (locations.Count == 0 || solution.GetDocumentIdsWithFilePath(locations[0].FilePath).FirstOrDefault() is not { } id)
                return (described, null, false);
            var first = locations[0];
            var text = await solution.GetDocument(id)!.GetTextAsync(cancellationToken).ConfigureAwait(false);
            var line = text.Lines.GetLineFromPosition(first.Span.Start);
            var required = @case.Required.FirstOrDefault(r => r.FilePath == first.FilePath && r.Line == line.LineNumber);
            var change = new TextChange(line.Span, required?.ExpectedLine ?? text.ToString(line.Span));
            cpu = CpuClock.ThisProcessMilliseconds();
            started = Clock.Now();
            var passed = await NextEditValidator.ValidateAsync(solution, id, change, first, locator.Reuses, cancellationToken).ConfigureAwait(false);
            Validate.Add(Clock.MillisecondsSince(started));
            ValidateCpu.Add(CpuClock.ThisProcessMilliseconds() - cpu);
            return (described, passed, required is not null);
        }

        /// <summary>Each phase over every case; a phase a case did not reach counts as 0 ms there.</summary>
        public IReadOnlyDictionary<string, Distribution> Phases() =>
            _phases.ToDictionary(
                p => p.Key, p => Distribution.Of([.. p.Value, .. Enumerable.Repeat(0.0, Locate.Count - p.Value.Count)]), StringComparer.Ordinal);
    }

    /// <summary>
    /// Whole suggestions (<c>NextEditEngine.SuggestAsync</c>, what codeAssist/nextEdit runs) with the bench's model, on
    /// cases of other methods than the timed ones, each right after its edit: the request's wall time, the model's
    /// generation time within it (from the engine's <c>Generating</c> events, every generation the request made), and
    /// their ratio per request.
    /// </summary>
    private static async Task<NextEditSuggestionFigures?> SuggestionsAsync(
        InProcessEngine engine, IReadOnlyList<NextEditCase> timed, int count, string modelDirectory, IBenchStep step,
        CancellationToken cancellationToken)
    {
        if (count == 0)
            return null;
        engine.Models.Load(modelDirectory, DevicePreference.Cpu);
        if (await engine.Models.WhenLoadedAsync(cancellationToken).ConfigureAwait(false) is null)
            throw new InvalidOperationException($"the model in {modelDirectory} did not load for the whole suggestions: {engine.Models.LoadError}");
        var used = timed.Select(c => (c.FilePath, c.Symbol)).ToHashSet();
        var cases = (await NextEditCases.GenerateAsync(engine.Workspace.CurrentSolution, count + timed.Count, seed: 2, cancellationToken).ConfigureAwait(false))
            .Where(c => !used.Contains((c.FilePath, c.Symbol))).Take(count).ToList();
        var wall = new List<double>();
        var generation = new List<double>();
        var ratio = new List<double>();
        var shown = 0;
        long generating = 0;
        double generatingMs = 0;
        void OnGenerating(bool started)
        {
            if (started)
                generating = Clock.Now();
            else
                generatingMs += Clock.MillisecondsSince(generating);
        }
        engine.NextEdits.Generating += OnGenerating;
        try
        {
            foreach (var @case in cases)
            {
                var uri = new Uri(@case.FilePath);
                var original = await File.ReadAllTextAsync(@case.FilePath, cancellationToken).ConfigureAwait(false);
                var opened = engine.Documents.Open(uri, "csharp", 1, original);
                var edit = new DocumentEdit(
                    opened.PositionOf(@case.FirstEdit.Span.Start), opened.PositionOf(@case.FirstEdit.Span.End), @case.FirstEdit.NewText!);
                var edited = engine.Documents.Change(uri, 2, [edit]);
                try
                {
                    generatingMs = 0;
                    var started = Clock.Now();
                    var cursor = @case.FirstEdit.Span.Start + @case.FirstEdit.NewText!.Length;
                    var result = await engine.NextEdits.SuggestAsync(edited, cursor, cancellationToken).ConfigureAwait(false);
                    var ms = Clock.MillisecondsSince(started);
                    if (result.Suggestions.Count > 0)
                        shown++;
                    if (generatingMs > 0)
                    {
                        wall.Add(ms);
                        generation.Add(generatingMs);
                        ratio.Add(ms / generatingMs);
                    }
                }
                finally
                {
                    engine.Documents.Change(uri, 3, [new DocumentEdit(null, null, original)]);
                    engine.Documents.Close(uri);
                    step.Advance();
                }
            }
        }
        finally
        {
            engine.NextEdits.Generating -= OnGenerating;
        }
        return new NextEditSuggestionFigures(cases.Count, Distribution.Of(wall), Distribution.Of(generation), Distribution.Of(ratio), shown);
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

    /// <summary>The same cases with nothing reused, in the same run (the code as it was before the reuse).</summary>
    public NextEditSideFigures? WithoutReuse { get; init; }

    /// <summary>Cases whose locations and validation verdict were the same with and without reuse.</summary>
    public int SameResults { get; init; }

    public NextEditSuggestionFigures? Suggestions { get; init; }
}

public sealed record NextEditSideFigures(Distribution LocateMs, Distribution LocateCpuMs, Distribution ValidateMs, Distribution ValidateCpuMs,
    IReadOnlyDictionary<string, Distribution> LocatePhasesMs);

/// <summary>
/// Whole suggestions with the model: per request, its wall time, the model's generation time within it, and the ratio
/// of the two (goal: ≤ 1.10, the suggestion within the generation time plus 10 %). Requests in which the model did
/// not generate (no location) are left out of all three.
/// </summary>
public sealed record NextEditSuggestionFigures(int Cases, Distribution WallMs, Distribution GenerationMs, Distribution Ratio, int Shown);
