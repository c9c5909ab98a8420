using System.Globalization;
using Spectre.Console;

namespace CodeAssist.Bench.Performance;

/// <summary>The report as a table of figure, value and goal, for people; the JSON is for tools and PERFORMANCE.md.</summary>
internal static class BenchTable
{
    public static Table Of(BenchReport report)
    {
        var table = new Table().Border(TableBorder.Simple).Title($"codeassist-bench bench ({report.Mode}, {report.TotalSeconds:F0} s)")
            .AddColumn("figure").AddColumn("value").AddColumn("goal");
        void Row(string figure, string value, string goal = "") => table.AddRow(Markup.Escape(figure), Markup.Escape(value), Markup.Escape(goal));
        void Section(string title) => table.AddRow($"[bold]{Markup.Escape(title)}[/]", "", "");
        // Whole next-edit suggestions, right after the edit and as a client asks: the same three rows, indented under their title.
        void WholeSuggestionRows(string title, string indent, NextEditSuggestionFigures figures)
        {
            Row(title, string.Create(CultureInfo.InvariantCulture, $"p50 {figures.Ratio.P50:F2}, p95 {figures.Ratio.P95:F2}"),
                Goal(figures.Ratio.P50 <= 1.10, "p50 ≤ 1.10"));
            Row($"{indent}suggestion wall time / generation time in it", $"{P(figures.WallMs)} / {P(figures.GenerationMs)}");
            Row($"{indent}suggestions shown (validated)", $"{figures.Shown} of {figures.Cases}");
        }

        if (report.Overhead is { } o)
        {
            Section($"LSP completion over stdio vs raw generation ({o.Pairs} interleaved pairs; " +
                $"{o.PairsLeftOutAtDeadline} cut by the generation deadline, left out)");
            Row("overhead ratio (median ÷ median)", F(report.OverheadRatio, "F3"), Goal(report.OverheadRatio <= 1.10, "≤ 1.10"));
            Row("overhead, absolute", $"{Ms(report.OverheadMs)} (median of pair differences {Ms(o.PairedOverheadMs)})");
            Row("within one request: answer ÷ the server's generation", F(o.WithinRequestRatio, "F3"), "median of pairs; no cross-process noise");
            Row("LSP inline completion", P(o.LspCompletionMs));
            Row("raw generation, same prompt and limits", P(o.RawGenerationMs));
            Row("  server: request → generation starts", P(o.ServerBeforeGenerationMs), "context build, dispatch, queueing");
            Row("  server: generation", P(o.ServerGenerationMs), "same work as the raw generation");
            Row("  server: generation ends → answer read", P(o.ServerAfterGenerationMs), "post-processing, JSON, stdio");
            Row("CPU per pair: server / raw", string.Create(CultureInfo.InvariantCulture,
                $"{Ms(o.ServerCpuMsPerPair)} / {Ms(o.RawCpuMsPerPair)} = {o.CpuOverheadRatio:F3}"), "the contention-free view");
            foreach (var thread in o.ServerCpuMsPerPairByThread.Keys.Union(o.RawCpuMsPerPairByThread.Keys)
                .Select(n => (Name: n, Server: o.ServerCpuMsPerPairByThread.GetValueOrDefault(n), Raw: o.RawCpuMsPerPairByThread.GetValueOrDefault(n)))
                .Where(t => t.Server >= 1 || t.Raw >= 1).OrderByDescending(t => t.Server + t.Raw))
            {
                Row($"  CPU, threads \"{thread.Name}\"", $"{Ms(thread.Server)} / {Ms(thread.Raw)}");
            }
            Row("  in-process replica: context build", P(o.InProcessContextBuildMs), $"CPU {P(o.InProcessContextBuildCpuMs)}");
            Row("  in-process replica: post-processing CPU", P(o.InProcessPostProcessingCpuMs));
            Row("tokens per pair", string.Create(CultureInfo.InvariantCulture,
                $"{o.MeanPromptTokens:F0} prompt ({o.MeanReusedPromptTokens:F0} reused from the KV cache), {o.MeanNewTokens:F1} new"),
                "stops: " + string.Join(", ", o.RawStopReasons.Select(r => $"{r.Key} {r.Value}")));
            Row("checks (equal work)",
                $"{o.PromptsIdentical}/{o.Pairs} prompts and healed texts equal, {o.OutputsIdentical}/{o.Pairs} outputs equal, " +
                $"{o.ServerGenerations}/{o.Pairs} server generations");
        }
        if (report.Startup is { } s)
        {
            Section("start-up");
            Row("server start → initialize answered", $"{Ms(s.InitializeAnsweredMs.P50)} median of {s.InitializeAnsweredMs.Count} starts");
            Row("initialize → model ready", Ms(s.ModelReadyAfterInitializeMs));
            Row("first completion after open (cold, loose file)", Ms(s.FirstCompletionColdMs));
            Row("warm completions (loose file)", P(s.CompletionWarmMs));
            Row("initialize → first completion on loose files", Ms(s.FirstCompletionLooseAfterInitializeMs));
            Row("initialize → solution loaded", Ms(s.SolutionLoadedAfterInitializeMs));
            var membersBefore = s.MembersFromOtherFilesBeforeLoad switch { true => "yes", false => "no", null => "(loaded already)" };
            Row("initialize → first completion with the solution",
                $"{Ms(s.FirstCompletionWithSolutionAfterInitializeMs)} (that request {Ms(s.FirstCompletionAfterSolutionLoadMs)})",
                $"members of a record in another file: {membersBefore} before the load, {(s.MembersFromOtherFilesAfterLoad ? "yes" : "NO")} after");
        }
        void Timeline(StartupTimelineFigures st, string title)
        {
            Section($"start-up timeline{title} (median of {st.Starts} process starts; ms after the process was started)");
            Row("ReadyToRun hello world: line written / exited", $"{Ms(st.HelloWorldLineMs.P50)} / {Ms(st.HelloWorldExitMs.P50)}",
                "the yardstick, started before each server");
            foreach (var (name, d) in StartupBenchmark.ServerSteps.Select(s => (s.Name, st.ServerStepsMs.GetValueOrDefault(s.Step))))
            {
                if (d is { Count: > 0 })
                    Row($"  {name}", P(d));
                if (name.StartsWith("initialize handled", StringComparison.Ordinal))
                {
                    var met = st.InitializeAnsweredMs.P50 <= 150 || st.InitializeOverHelloWorld <= 2.5;
                    Row("initialize answered (read by the client)", P(st.InitializeAnsweredMs), string.Create(CultureInfo.InvariantCulture,
                        $"{st.InitializeOverHelloWorld:F1}× the hello world; goal ≤ 150 ms quiet, ≤ 2.5× under load: {(met ? "met" : "MISSED")}"));
                }
                if (name.StartsWith("first completion with text", StringComparison.Ordinal))
                {
                    Row("first completion answered (loose-file context)", P(st.FirstCompletionMs),
                        $"didOpen → answer {P(st.OpenToFirstCompletionMs)}; {st.FirstCompletionsGenerated}/{st.Starts} generated, " +
                        "while the model and the solution load");
                }
            }
            if (st.LooseFileOpenToCompletionMs.Count > 0)
            {
                Row("loose file opened once the model is ready: didOpen → first completion", P(st.LooseFileOpenToCompletionMs),
                    $"context built {P(st.LooseFileOpenToContextMs)}, first token {P(st.LooseFileOpenToFirstTokenMs)} after didOpen; " +
                    $"{st.LooseFileCompletionsGenerated}/{st.Starts} generated; {Goal(st.LooseFileOpenToCompletionMs.P50 <= 300, "≤ 300 ms")}");
            }
            Row("solution loaded (its progress ended)", P(st.SolutionLoadedMs));
            Row("first completion with the solution's context", P(st.FirstSemanticCompletionMs),
                $"initialize → answer {P(st.InitializeToFirstSemanticCompletionMs)}; " +
                Goal(st.InitializeToFirstSemanticCompletionMs.P50 <= 2000, "≤ 2.0 s on the 10k-line solution"));
            var resident = st.ResidentAfterInitializeMiB.Count == 0
                ? "n/a (no /proc)"
                : string.Create(CultureInfo.InvariantCulture, $"{st.ResidentAfterInitializeMiB.P50:F0} MiB (max {st.ResidentAfterInitializeMiB.Max:F0})");
            Row("resident memory when initialize is answered", resident, Goal(st.ResidentAfterInitializeMiB.P50 <= 120, "≤ 120 MiB"));
        }
        if (report.StartupTimeline is { } timeline)
            Timeline(timeline, "");
        if (report.StartupTimelineCached is { Starts: > 0 } cached)
            Timeline(cached, " with the project cache (each round's first start, above, wrote it; same rounds)");
        if (report.StartupTimelineBaseline is { } baseline)
            Timeline(baseline, " of the baseline ($CODEASSIST_BASELINE_SERVER), same rounds");
        if (report.Context is { } c)
        {
            Section($"context build, in-process ({c.Lines:N0} lines, {c.Files} files, {c.Projects} projects, {c.Positions} positions)");
            Row("solution load (MSBuildWorkspace)", Ms(c.InProcessLoadMs));
            Row("context build", P(c.BuildMs), Goal(c.BuildMs.P95 <= 20, "p95 ≤ 20 ms"));
            Row("  CPU time per build", P(c.BuildCpuMs), Goal(c.BuildCpuMs.P95 <= 20, "p95 ≤ 20 ms"));
            Row("compilations warmed after the load (in the background)", Ms(c.WarmUpMs));
            Row("first build in a project (after the warm-up)", $"{P(c.FirstInProjectMs)} ({c.FirstInProjectMs.Count} projects)");
            foreach (var (kind, d) in c.ByKindMs.OrderBy(k => k.Key, StringComparer.Ordinal))
            {
                Row($"  at: {kind}", P(d));
                if (c.ByKindAndSourceMs.TryGetValue(kind, out var sources))
                {
                    Row("    by source (p50 / p95)", string.Join(", ", sources.Where(k => k.Value.P95 >= 1).OrderByDescending(k => k.Value.P95)
                        .Select(k => string.Create(CultureInfo.InvariantCulture, $"{k.Key} {k.Value.P50:F1} / {k.Value.P95:F1}"))));
                }
            }
            foreach (var (typed, d) in c.ByTypedTextMs.OrderByDescending(k => k.Value.P50))
                Row($"    after typing {typed}", P(d));
            foreach (var (source, d) in c.BySourceCpuMs.OrderByDescending(k => k.Value.P95))
                Row($"  CPU in source: {source}", P(d), $"wall {P(c.BySourceMs[source])}");
            Row("  prompt tokens (mean)", F(c.MeanPromptTokens, "F0"));
            Row("  after a dot, the receiver's members made it into the prompt", $"{c.AfterDotWithMembersInPrompt} of {c.AfterDotPositions} positions");
            Row("  prompts (SHA-256 over every context built)", c.PromptsSha256[..16]);
            Row("compiler check of a suggestion, after each build (speculative in a method body, else a fork)", P(c.CompilerCheckMs),
                Goal(c.CompilerCheckMs.P95 <= 5, "p95 ≤ 5 ms"));
            Row("  CPU time per check", P(c.CompilerCheckCpuMs),
                string.Join(", ", c.CompilerCheckVerdicts.OrderBy(v => v.Key, StringComparer.Ordinal).Select(v => $"{v.Key} {v.Value}")));
            Row("  A/B, same suggestions: every one bound in a fork (the check before)", P(c.CompilerCheckForkOnlyMs),
                $"CPU {P(c.CompilerCheckForkOnlyCpuMs)}");
        }
        if (report.NextEdits is { } ne)
        {
            Section($"next edits, in-process ({ne.Cases} generated edits; each timed right after its edit with and without reuse, and as a client asks)");
            Row("locations after an edit", P(ne.LocateMs), Goal(ne.LocateMs.P95 <= 30, "p95 ≤ 30 ms"));
            if (ne.LocateCpuMs is { } locateCpu)
                Row("  CPU time per location search", P(locateCpu));
            foreach (var (phase, d) in ne.LocatePhasesMs.OrderByDescending(p => p.Value.P50))
                Row($"  phase: {phase}", P(d));
            Row("validating one edit (fork, bind the edited member)", P(ne.ValidateMs), Goal(ne.ValidateMs.P95 <= 50, "p95 ≤ 50 ms"));
            if (ne.ValidateCpuMs is { } validateCpu)
                Row("  CPU time per validation", P(validateCpu));
            if (ne.ValidateSpeculativelyMs is { } speculatively)
            {
                Row("  the same validations speculatively in the method body (same run, order alternating)", P(speculatively),
                    $"CPU {P(ne.ValidateSpeculativelyCpuMs!)}; {ne.BoundSpeculatively} of {speculatively.Count} bound so");
            }
            if (ne.NotNarrowed is { } notNarrowed)
            {
                Row("  the same, members chosen and bound as before the narrowing (same run, order rotating)", P(notNarrowed.LocateMs),
                    $"CPU {P(notNarrowed.LocateCpuMs)}");
                foreach (var (phase, d) in notNarrowed.LocatePhasesMs.OrderByDescending(p => p.Value.P50))
                    Row($"    phase: {phase}", P(d));
                Row("    validating one edit", P(notNarrowed.ValidateMs), $"CPU {P(notNarrowed.ValidateCpuMs)}");
            }
            if (ne.Prepared is { } prepared)
            {
                Row($"as a client asks (search prepared after the edit, request after {NextEditBenchmark.ClientDebounce.TotalMilliseconds:F0} ms): locations",
                    P(prepared.LocateMs), $"CPU {P(prepared.LocateCpuMs)}");
                Row("  validating one edit", P(prepared.ValidateMs), $"CPU {P(prepared.ValidateCpuMs)}");
                if (prepared.ValidateSpeculativelyMs is { } preparedSpeculatively)
                    Row("    the same speculatively", P(preparedSpeculatively), $"CPU {P(prepared.ValidateSpeculativelyCpuMs!)}");
            }
            if (ne.WithoutReuse is { } without)
            {
                Row("without reuse (same run, order alternating): locations", P(without.LocateMs), $"CPU {P(without.LocateCpuMs)}");
                foreach (var (phase, d) in without.LocatePhasesMs.OrderByDescending(p => p.Value.P50))
                    Row($"  phase: {phase}", P(d));
                Row("  validating one edit (whole document)", P(without.ValidateMs), $"CPU {P(without.ValidateCpuMs)}");
                Row("  same locations and verdict on every side", $"{ne.SameResults} of {ne.Cases}");
            }
            Row("  first location at a required edit / validations passed", $"{ne.FirstLocationRequired} / {ne.ValidationsPassed} of {ne.Cases}");
            if (ne.Suggestions is { } whole)
            {
                WholeSuggestionRows($"whole suggestion ÷ generation time ({whole.Ratio.Count} of {whole.Cases} requests generated)", "  ", whole);
                if (whole.Prepared is { } asked)
                    WholeSuggestionRows($"  as a client asks ({asked.Ratio.Count} generated): whole suggestion ÷ generation time", "    ", asked);
            }
        }
        if (report.TypeThrough is { } t)
        {
            Section("type-through cache");
            Row("cache hit over stdio", P(t.HitMs), Goal(t.HitMs.P95 <= 2, "p95 ≤ 2 ms"));
            Row("  checks", $"{t.Verified}/{t.HitMs.Count} answers were the rest of the suggestion; server counted {t.Hits} hits");
        }
        if (report.Typing is { } y)
        {
            Section($"simulated typing: {y.Keystrokes} keystrokes every {y.IntervalMs:F0} ms, " +
                $"{y.LineStartPauseMs:F0} ms pause at line starts ({y.Model} model)");
            Row("latency per keystroke", P(y.LatencyMs));
            Row("  answered from the cache", P(y.HitLatencyMs));
            Row("  others (generated, superseded or empty)", P(y.MissLatencyMs));
            Row("cache hit rate", y.HitRate.ToString("P0", CultureInfo.InvariantCulture), "");
            Row("requests / cache hits / generations started / finished / cancelled",
                $"{y.Requests} / {y.CacheHits} / {y.GenerationsStarted} / {y.GenerationsFinished} / {y.Cancelled}");
        }
        if (report.KvReuse is { } k)
        {
            Section($"KV prefix reuse ({k.PromptTokens}-token prompt extended by {k.ExtendedByTokens:F0} tokens)");
            Row("time to first token with reuse", P(k.WithReuseMs));
            Row("time to first token without", P(k.WithoutReuseMs));
            Row("speed-up (median ÷ median)", F(k.Speedup, "F1") + "×", $"{k.MeanReusedTokens:F0} tokens reused");
            Row("next tokens after a reused prefix / fresh", $"{k.DecodeTokensPerSecondAfterReuse:F0} / {k.DecodeTokensPerSecondFresh:F0} tokens/s");
        }
        if (report.Throughput is { } r)
        {
            Section("generation alone");
            Row("prompt processing", $"{r.PromptTokensPerSecond:F0} tokens/s ({r.PromptTokens}-token prompts)");
            Row("generation", $"{r.GenerationTokensPerSecond:F0} tokens/s ({r.MeanNewTokens:F0} new tokens on average)");
            Row("time to first token", P(r.TimeToFirstTokenMs));
        }
        if (report.Speculative is { } sp)
        {
            Section(string.Create(CultureInfo.InvariantCulture,
                $"speculative decoding ({sp.Prompts} FIM prompts of {sp.MeanPromptTokens:F0} tokens, {sp.MeanNewTokens:F0} new; " +
                $"fresh generators; draft: {sp.Draft})"));
            foreach (var side in sp.Sides)
            {
                Row(side.Name, string.Create(CultureInfo.InvariantCulture,
                        $"{side.NewTokensPerSecond:F0} tokens/s ({side.TokensPerSecondSpeedup:F2}×), " +
                        $"{Ms(side.CompletionMs.P50)} per completion ({side.CompletionSpeedup:F2}×), first token {Ms(side.TimeToFirstTokenMs.P50)}"),
                    side.Speculation is null ? "" : string.Create(CultureInfo.InvariantCulture,
                        $"{side.AcceptedPerStep:F2} accepted per step, acceptance {side.AcceptanceRate:P0}, {side.Steps} steps; goal ≥ 1.5× tokens/s"));
            }
            Row("same output as plain greedy", sp.Mismatches.Count == 0 ? $"yes, all {sp.Prompts} prompts" : $"NO: {sp.Mismatches.Count} differ");
        }
        if (report.Memory is { } m)
        {
            Section("peak resident memory of the server (VmHWM)");
            Row("without a model (one loose file open, one request)", MiB(m.NoModelPeakMiB));
            Row("model loaded, before any completion", MiB(m.ModelLoadedPeakMiB));
            Row("after completions on a loose file", MiB(m.ModelPeakMiB), "adds Roslyn's compilation and the runtime's buffers");
            Row("with the model and the solution", MiB(m.ModelAndSolutionPeakMiB));
        }
        foreach (var error in report.Errors)
            Row("FAILED", error);
        Section("machine");
        Row("cores / load average at start → end",
            $"{report.Machine.Cores} / {F(report.Machine.LoadAverageAtStart, "F1")} → {F(report.Machine.LoadAverageAtEnd, "F1")}");
        Row("model", report.Model.Description);
        return table;
    }

    private static string P(Distribution d) =>
        d.Count == 0 ? "n/a" : string.Create(CultureInfo.InvariantCulture, $"p50 {Ms(d.P50)}, p95 {Ms(d.P95)} (n={d.Count})");

    private static string Ms(double ms) => ms >= 10000 ? string.Create(CultureInfo.InvariantCulture, $"{ms / 1000:F1} s")
        : ms >= 100 ? string.Create(CultureInfo.InvariantCulture, $"{ms:F0} ms")
        : string.Create(CultureInfo.InvariantCulture, $"{ms:F1} ms");

    private static string MiB(double? value) => value is { } v ? string.Create(CultureInfo.InvariantCulture, $"{v:F0} MiB") : "n/a (no /proc)";

    private static string F(double? value, string format) => value is { } v ? v.ToString(format, CultureInfo.InvariantCulture) : "n/a";

    private static string Goal(bool met, string goal) => $"{goal}: {(met ? "met" : "MISSED")}";
}
