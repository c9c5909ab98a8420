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
/// which costs the same compilation). Each case runs four times, each time after its own edit, the order rotating case
/// by case: right after the edit as the engine runs (reusing what earlier requests computed), as a client asks (the
/// engine's search prepared after the edit, <c>NextEditEngine.Prepare</c>, and the request timed after the clients'
/// debounce), right after the edit with the members chosen and bound as before #21's fifth session (<c>narrowed:
/// false</c>: every member naming a changed declaration, whole), and right after the edit with nothing reused
/// (<c>reuse: false</c>, what the code did before the reuse existed); all four must give the same locations and verdicts.
/// Then, on other cases, whole suggestions with the model, asked for both ways: the request's wall time over the model's
/// generation time in it. Each edit is undone before the next, and nothing one side started runs while another is timed.
/// </summary>
internal static class NextEditBenchmark
{
    /// <summary>The clients' default pause after an edit before they send codeAssist/nextEdit (VS Code <c>debounceMs</c>, Neovim <c>debounce_ms</c>).</summary>
    public static readonly TimeSpan ClientDebounce = TimeSpan.FromMilliseconds(150);

    /// <summary>How a case is timed: see the class comment.</summary>
    private enum Timing
    {
        /// <summary>Right after the edit, the engine's locator (its reuse), nothing searched before the request.</summary>
        Reuse,

        /// <summary>As a client asks: the engine's search prepared after the edit, the request after <see cref="ClientDebounce"/>.</summary>
        Prepared,

        /// <summary>Right after the edit, nothing reused (the code as it was before the reuse).</summary>
        NoReuse,

        /// <summary>Right after the edit, a locator of its own reusing as the engine's does, choosing and binding members as before the narrowing.</summary>
        NotNarrowed,
    }

    public static async Task<NextEditFigures> RunAsync(
        InProcessEngine engine, int cases, int suggestionCases, string modelDirectory, IBenchStep step, CancellationToken cancellationToken)
    {
        var generated = await NextEditCases.GenerateAsync(engine.Workspace.CurrentSolution, cases, seed: 1, cancellationToken).ConfigureAwait(false);
        var sides = new Dictionary<Timing, Side>
        {
            [Timing.Reuse] = new(engine.NextEdits.Locator, TimeSpan.Zero),
            [Timing.Prepared] = new(engine.NextEdits.Locator, ClientDebounce),
            [Timing.NoReuse] = new(new NextEditLocator(reuse: false), TimeSpan.Zero),
            [Timing.NotNarrowed] = new(new NextEditLocator(() => engine.Workspace.WarmedSolution, narrowed: false), TimeSpan.Zero),
        };
        Timing[] order = [Timing.Reuse, Timing.Prepared, Timing.NotNarrowed, Timing.NoReuse];
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
                var outcomes = new Dictionary<Timing, (string Locations, bool? Passed, bool Hit)>();
                var first = index++ % order.Length;
                foreach (var timing in order[first..].Concat(order[..first]))
                {
                    var start = document.PositionOf(@case.FirstEdit.Span.Start);
                    var end = document.PositionOf(@case.FirstEdit.Span.End);
                    engine.NextEdits.PreparesAfterEdits = timing == Timing.Prepared;
                    var edited = engine.Documents.Change(uri, document.Version + 1, [new DocumentEdit(start, end, @case.FirstEdit.NewText!)]);
                    try
                    {
                        outcomes[timing] = await sides[timing].MeasureAsync(engine, @case, edited, cancellationToken).ConfigureAwait(false);
                    }
                    finally
                    {
                        // Nothing of one side runs while the next is timed.
                        engine.NextEdits.PreparesAfterEdits = false;
                        await engine.NextEdits.Preparing.ConfigureAwait(false);
                        document = engine.Documents.Change(uri, edited.Version + 1, [new DocumentEdit(null, null, original)]);
                    }
                }
                if (outcomes[Timing.Reuse].Hit)
                    hits++;
                if (outcomes[Timing.Reuse].Passed == true)
                    passed++;
                if (outcomes.Values.Distinct().Count() == 1)
                    same++;
            }
            finally
            {
                engine.Documents.Close(uri);
                step.Advance();
            }
        }
        var suggestions = await SuggestionsAsync(engine, generated, suggestionCases, modelDirectory, step, cancellationToken).ConfigureAwait(false);
        var reused = sides[Timing.Reuse];
        return new NextEditFigures(generated.Count, Distribution.Of(reused.Locate), Distribution.Of(reused.Validate), hits, passed)
        {
            LocateCpuMs = Distribution.Of(reused.LocateCpu),
            ValidateCpuMs = Distribution.Of(reused.ValidateCpu),
            LocatePhasesMs = reused.Phases(),
            ValidateSpeculativelyMs = Distribution.Of(reused.ValidateSpeculative),
            ValidateSpeculativelyCpuMs = Distribution.Of(reused.ValidateSpeculativeCpu),
            BoundSpeculatively = reused.BoundSpeculatively,
            Prepared = sides[Timing.Prepared].Figures(),
            WithoutReuse = sides[Timing.NoReuse].Figures(),
            NotNarrowed = sides[Timing.NotNarrowed].Figures(),
            SameResults = same,
            Suggestions = suggestions,
        };
    }

    /// <summary>One side of the comparison: a locator, the pause between the edit and the request, and what it measured.</summary>
    private sealed class Side(NextEditLocator locator, TimeSpan pause)
    {
        public List<double> Locate { get; } = [];
        public List<double> LocateCpu { get; } = [];
        public List<double> Validate { get; } = [];
        public List<double> ValidateCpu { get; } = [];
        private readonly Dictionary<string, List<double>> _phases = new(StringComparer.Ordinal);

        public async Task<(string Locations, bool? Passed, bool Hit)> MeasureAsync(
            InProcessEngine engine, NextEditCase @case, DocumentSnapshot edited, CancellationToken cancellationToken)
        {
            if (pause > TimeSpan.Zero)
                await Task.Delay(pause, cancellationToken).ConfigureAwait(false);
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
            // With reuse the edit is validated twice, the order alternating: as the engine does (the member's body in
            // a fork) and speculatively in the method body (SpeculativeErrors); the verdicts must agree.
            NextEditBinding[] bindings = !locator.Reuses ? [NextEditBinding.DocumentInFork]
                : Validate.Count % 2 == 0 ? [NextEditBinding.MemberInFork, NextEditBinding.Speculative]
                : [NextEditBinding.Speculative, NextEditBinding.MemberInFork];
            var verdicts = new List<bool>();
            foreach (var narrowest in bindings)
            {
                cpu = CpuClock.ThisProcessMilliseconds();
                started = Clock.Now();
                var validation = await NextEditValidator.JudgeAsync(solution, id, change, first, narrowest, cancellationToken).ConfigureAwait(false);
                var (wall, cpuMs) = (Clock.MillisecondsSince(started), CpuClock.ThisProcessMilliseconds() - cpu);
                (narrowest == NextEditBinding.Speculative ? ValidateSpeculative : Validate).Add(wall);
                (narrowest == NextEditBinding.Speculative ? ValidateSpeculativeCpu : ValidateCpu).Add(cpuMs);
                if (validation.Binding == NextEditBinding.Speculative)
                    BoundSpeculatively++;
                verdicts.Add(validation.Passes);
            }
            return (described, verdicts.Distinct().Count() == 1 ? verdicts[0] : null, required is not null);
        }

        /// <summary>With reuse: each validation also with speculative binding in the method body, in the same run.</summary>
        public List<double> ValidateSpeculative { get; } = [];
        public List<double> ValidateSpeculativeCpu { get; } = [];

        /// <summary>Of those, the validations bound speculatively (the rest fell back to the fork).</summary>
        public int BoundSpeculatively { get; private set; }

        public NextEditSideFigures Figures() =>
            new(Distribution.Of(Locate), Distribution.Of(LocateCpu), Distribution.Of(Validate), Distribution.Of(ValidateCpu), Phases())
            {
                ValidateSpeculativelyMs = ValidateSpeculative.Count > 0 ? Distribution.Of(ValidateSpeculative) : null,
                ValidateSpeculativelyCpuMs = ValidateSpeculativeCpu.Count > 0 ? Distribution.Of(ValidateSpeculativeCpu) : null,
                BoundSpeculatively = BoundSpeculatively,
            };

        /// <summary>Each phase over every case; a phase a case did not reach counts as 0 ms there.</summary>
        public IReadOnlyDictionary<string, Distribution> Phases() =>
            _phases.ToDictionary(
                p => p.Key, p => Distribution.Of([.. p.Value, .. Enumerable.Repeat(0.0, Locate.Count - p.Value.Count)]), StringComparer.Ordinal);
    }

    /// <summary>
    /// Whole suggestions (<c>NextEditEngine.SuggestAsync</c>, what codeAssist/nextEdit runs) with the bench's model, on
    /// cases of other methods than the timed ones, each twice, the order alternating: the request right after the edit
    /// (nothing searched before it), and as a client asks (the engine's search prepared after the edit, the request
    /// after <see cref="ClientDebounce"/>). Per request: its wall time, the model's generation time within it (from
    /// the engine's <c>Generating</c> events, every generation the request made), and their ratio.
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
        var sides = new Dictionary<bool, WholeSide> { [false] = new(), [true] = new() };
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
        var index = 0;
        try
        {
            foreach (var @case in cases)
            {
                var uri = new Uri(@case.FilePath);
                var original = await File.ReadAllTextAsync(@case.FilePath, cancellationToken).ConfigureAwait(false);
                var document = engine.Documents.Open(uri, "csharp", 1, original);
                try
                {
                    foreach (var prepared in index++ % 2 == 0 ? new[] { false, true } : [true, false])
                    {
                        var edit = new DocumentEdit(
                            document.PositionOf(@case.FirstEdit.Span.Start), document.PositionOf(@case.FirstEdit.Span.End), @case.FirstEdit.NewText!);
                        engine.NextEdits.PreparesAfterEdits = prepared;
                        var edited = engine.Documents.Change(uri, document.Version + 1, [edit]);
                        try
                        {
                            if (prepared)
                                await Task.Delay(ClientDebounce, cancellationToken).ConfigureAwait(false);
                            generatingMs = 0;
                            var started = Clock.Now();
                            var cursor = @case.FirstEdit.Span.Start + @case.FirstEdit.NewText!.Length;
                            var result = await engine.NextEdits.SuggestAsync(edited, cursor, cancellationToken).ConfigureAwait(false);
                            sides[prepared].Add(Clock.MillisecondsSince(started), generatingMs, result.Suggestions.Count > 0);
                        }
                        finally
                        {
                            engine.NextEdits.PreparesAfterEdits = false;
                            await engine.NextEdits.Preparing.ConfigureAwait(false);
                            document = engine.Documents.Change(uri, edited.Version + 1, [new DocumentEdit(null, null, original)]);
                        }
                    }
                }
                finally
                {
                    engine.Documents.Close(uri);
                    step.Advance();
                }
            }
        }
        finally
        {
            engine.NextEdits.Generating -= OnGenerating;
        }
        return sides[false].Figures(cases.Count) with { Prepared = sides[true].Figures(cases.Count) };
    }

    /// <summary>One way of asking for whole suggestions and what it measured.</summary>
    private sealed class WholeSide
    {
        private readonly List<double> _wall = [];
        private readonly List<double> _generation = [];
        private readonly List<double> _ratio = [];
        private int _shown;

        public void Add(double wallMs, double generationMs, bool shown)
        {
            if (shown)
                _shown++;
            if (generationMs <= 0)
                return;
            _wall.Add(wallMs);
            _generation.Add(generationMs);
            _ratio.Add(wallMs / generationMs);
        }

        public NextEditSuggestionFigures Figures(int cases) =>
            new(cases, Distribution.Of(_wall), Distribution.Of(_generation), Distribution.Of(_ratio), _shown);
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

    /// <summary>The same validations with speculative binding in the method body (not the engine's way), in the same run.</summary>
    public Distribution? ValidateSpeculativelyMs { get; init; }

    public Distribution? ValidateSpeculativelyCpuMs { get; init; }

    /// <summary>Of the speculative validations, those bound speculatively in the method body (the others fell back to the fork).</summary>
    public int BoundSpeculatively { get; init; }

    /// <summary>Wall time of each phase of the location search (<see cref="LocateTimings"/>).</summary>
    public IReadOnlyDictionary<string, Distribution> LocatePhasesMs { get; init; } = new Dictionary<string, Distribution>();

    /// <summary>The same cases with nothing reused, in the same run (the code as it was before the reuse).</summary>
    public NextEditSideFigures? WithoutReuse { get; init; }

    /// <summary>
    /// The same cases right after the edit with the members chosen and bound as before #21's fifth session, in the same
    /// run: every member naming a changed declaration, its declaration stage too (<c>narrowed: false</c>).
    /// </summary>
    public NextEditSideFigures? NotNarrowed { get; init; }

    /// <summary>
    /// The same cases as a client asks, in the same run: the engine prepares the search after the edit and the request
    /// comes after the clients' debounce; its time is the request's.
    /// </summary>
    public NextEditSideFigures? Prepared { get; init; }

    /// <summary>Cases whose locations and validation verdict were the same on every side.</summary>
    public int SameResults { get; init; }

    public NextEditSuggestionFigures? Suggestions { get; init; }
}

public sealed record NextEditSideFigures(Distribution LocateMs, Distribution LocateCpuMs, Distribution ValidateMs, Distribution ValidateCpuMs,
    IReadOnlyDictionary<string, Distribution> LocatePhasesMs)
{
    /// <inheritdoc cref="NextEditFigures.ValidateSpeculativelyMs"/>
    public Distribution? ValidateSpeculativelyMs { get; init; }

    public Distribution? ValidateSpeculativelyCpuMs { get; init; }

    /// <inheritdoc cref="NextEditFigures.BoundSpeculatively"/>
    public int BoundSpeculatively { get; init; }
}

/// <summary>
/// Whole suggestions with the model: per request, its wall time, the model's generation time within it, and the ratio
/// of the two (goal: ≤ 1.10, the suggestion within the generation time plus 10 %). Requests in which the model did
/// not generate (no location) are left out of all three.
/// </summary>
public sealed record NextEditSuggestionFigures(int Cases, Distribution WallMs, Distribution GenerationMs, Distribution Ratio, int Shown)
{
    /// <summary>The same cases as a client asks (the search prepared after the edit, the request after the clients' debounce), in the same run.</summary>
    public NextEditSuggestionFigures? Prepared { get; init; }
}
