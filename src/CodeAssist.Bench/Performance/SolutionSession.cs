using CodeAssist.Engine;
using CodeAssist.Engine.Completion;
using CodeAssist.Engine.Completion.PostProcessing;
using CodeAssist.Engine.Documents;
using CodeAssist.Inference;
using CodeAssist.Inference.Generation;

namespace CodeAssist.Bench.Performance;

internal sealed record TimeToCompletion(double LooseAfterInitializeMs, double SolutionLoadedAfterInitializeMs, double WithSolutionAfterInitializeMs,
    double FirstAfterLoadMs, bool? MembersBeforeLoad, bool MembersAfterLoad, double InitializeMs);

/// <summary>
/// One `codeassist serve` child on the generated solution, driven as an editor drives it: completions on loose
/// files while the solution loads, then the A/B overhead pairs, then (after switching to a scripted model whose
/// suggestion is known) type-through cache hits and a simulated typing session.
/// </summary>
internal sealed class SolutionSession : IAsyncDisposable
{
    private readonly LspServerProcess _server;
    private readonly EditorSession _session;
    private readonly InProcessEngine _engine;
    private readonly LanguageModel _raw;
    private EditorDocument _document = null!;
    private int _cursor;

    private SolutionSession(LspServerProcess server, InProcessEngine engine, LanguageModel raw)
    {
        _server = server;
        _session = new EditorSession(server);
        _engine = engine;
        _raw = raw;
    }

    public static SolutionSession Start(string modelDirectory, InProcessEngine engine, LanguageModel raw) =>
        new(LspServerProcess.Start(["--model", modelDirectory]), engine, raw);

    public double? PeakResidentMiB() => _server.PeakResidentMiB();

    /// <summary>
    /// Initialize with the solution's folder, open a file and ask at once (answered from loose files while the
    /// solution loads in the background), wait for the load's progress to end, and ask again.
    /// </summary>
    public async Task<TimeToCompletion> TimeToCompletionAsync(string solutionRoot, string filePath, IBenchStep step)
    {
        var answered = await _session.InitializeAsync(solutionRoot, BenchPlan.InitializationOptions).ConfigureAwait(false);
        var text = await File.ReadAllTextAsync(filePath).ConfigureAwait(false);
        var bodyStart = ContextBenchmark.MethodBodyStart(text, 3);
        text = text.Insert(bodyStart, "        \n");
        _cursor = bodyStart + 8;
        _document = await _session.OpenAsync(filePath, text).ConfigureAwait(false);
        _engine.Documents.Open(_document.Uri, "csharp", _document.Version, text);

        var before = await _session.StatsAsync().ConfigureAwait(false);
        await _session.InlineCompletionAsync(_document, _cursor).ConfigureAwait(false);
        var looseAt = Clock.Now();
        if ((await _session.StatsAsync().ConfigureAwait(false) - before).Generations < 1)
            throw new InvalidOperationException($"the first completion on loose files did not generate; the server's last log lines:\n{_server.StderrTail}");
        // Only meaningful while the solution is still loading; on a busy machine it may be done already.
        bool? membersBefore = _server.Notifications("$/progress").Any(StartupBenchmark.IsSolutionLoadEnd)
            ? null
            : await MembersVisibleAsync().ConfigureAwait(false);
        step.Advance();

        var loaded = await _server.WaitForNotificationAsync("$/progress", StartupBenchmark.IsSolutionLoadEnd, TimeSpan.FromMinutes(10)).ConfigureAwait(false);
        var loadedAt = loaded["receivedAt"]!.GetValue<long>();
        // The semantic context joins when the compilations' warm-up after the load has ended; completions do not wait for it.
        await _server.WaitForNotificationAsync("$/progress", StartupBenchmark.IsCompilationsReadyEnd, TimeSpan.FromMinutes(10)).ConfigureAwait(false);
        step.Advance();

        await TypeStatementAsync(0).ConfigureAwait(false);
        var (_, first) = await _session.InlineCompletionAsync(_document, _cursor).ConfigureAwait(false);
        var firstAt = Clock.Now();
        var membersAfter = await MembersVisibleAsync().ConfigureAwait(false);
        step.Advance();
        return new TimeToCompletion(Clock.Milliseconds(answered, looseAt), Clock.Milliseconds(answered, loadedAt), Clock.Milliseconds(answered, firstAt),
            first, membersBefore, membersAfter, Clock.Milliseconds(_server.StartedAt, answered));
    }

    /// <summary>
    /// Whether the server knows the members of a record declared in another file of the project, which it can only
    /// once the solution is loaded: types an access to one, reads the context's piece kinds, and takes the text back
    /// out. A record has few members, so their list fits in what the windows leave of the budget.
    /// </summary>
    private async Task<bool> MembersVisibleAsync()
    {
        var start = _cursor;
        await TypeAsync("var probe = Peer.Entries[0].").ConfigureAwait(false);
        var (_, kinds) = await _session.ContextAsync(_document, _cursor).ConfigureAwait(false);
        var from = _document.PositionOf(start);
        var to = _document.PositionOf(_cursor);
        await _session.ChangeAsync(_document, start, _cursor, "").ConfigureAwait(false);
        _engine.Documents.Change(_document.Uri, _document.Version, [new DocumentEdit(from, to, "")]);
        _cursor = start;
        return kinds.Contains("members");
    }

    /// <summary>
    /// A/B pairs of equal work. Each pair types a statement (a new version, so neither the type-through cache nor a
    /// stale answer can stand in for a generation) and leaves the cursor at the start of the next, empty line, where
    /// the server suggests a block and so sets no stop string. A is the LSP request. B is a raw generation in this
    /// process, on an identical model, of the server's prompt and healed text (codeAssist/context, asked after A so A
    /// is not warmed by it) through <see cref="CompletionPlan.RequestFor"/>, the request the engine makes (token
    /// limit, stop rules, healing, deadline). Both models see the same prompts in the same order and, being greedy on
    /// the same weights, write the same tokens, so their KV caches hold the same sequence when the next pair starts.
    /// Equal work is checked, not assumed: in every counted pair the <see cref="CompletionPlan"/> built here on the same
    /// text must give the server's prompt, healed text and stop rules, and the server's answer must equal B's output
    /// after the same post-processing. A pair that differs fails the phase, and with it the bench.
    /// </summary>
    public async Task<OverheadFigures> OverheadAsync(int pairs, AssistSettings settings, IBenchStep step, CancellationToken cancellationToken)
    {
        var samples = new List<PairSample>();
        var excluded = 0;
        var unequal = new List<string>();
        var serverThreads = new Dictionary<string, double>();
        var rawThreads = new Dictionary<string, double>();
        // Pair 0 warms both sides (JIT, first generator); it is not counted.
        for (var i = 0; i <= pairs; i++)
        {
            await TypeStatementAsync(i + 1).ConfigureAwait(false);
            var before = await _session.StatsAsync().ConfigureAwait(false);

            var serverThreadsBefore = CpuClock.ByThread(_server.ProcessId);
            var serverCpu = CpuClock.OfProcessMilliseconds(_server.ProcessId);
            var sentAt = Clock.Now();
            var (answer, a) = await _session.InlineCompletionAsync(_document, _cursor).ConfigureAwait(false);
            serverCpu = CpuClock.OfProcessMilliseconds(_server.ProcessId) - serverCpu;
            var serverThreadsAfter = CpuClock.ByThread(_server.ProcessId);
            var (generationStarted, generationEnded) = await GenerationWindowAsync(sentAt).ConfigureAwait(false);

            var (serverPrompt, _) = await _session.ContextAsync(_document, _cursor).ConfigureAwait(false);
            var didGenerate = (await _session.StatsAsync().ConfigureAwait(false) - before).Generations == 1;
            var snapshot = _engine.Documents.TryGet(_document.Uri)!;

            // B generates the server's prompt through the request the engine makes of it. The in-process plan is
            // built only after B, so Roslyn work it sets off cannot run in this process while B is timed.
            var ownThreadsBefore = CpuClock.ByThread(Environment.ProcessId);
            var ownCpu = CpuClock.ThisProcessMilliseconds();
            var start = Clock.Now();
            var request = CompletionPlan.RequestFor(serverPrompt, CompletionPlan.AllowsBlockAt(snapshot, _cursor, settings), settings);
            var result = await _raw.GenerateAsync(request, cancellationToken).ConfigureAwait(false);
            var b = Clock.MillisecondsSince(start);
            ownCpu = CpuClock.ThisProcessMilliseconds() - ownCpu;
            var ownThreadsAfter = CpuClock.ByThread(Environment.ProcessId);

            // The same plan built here on the same text must give the same prompt and the same request: the check
            // that B did the engine's work, and the context build's breakdown.
            var (plan, contextMs, contextCpuMs, _, _) = await _engine.PlanAsync(_raw, snapshot, _cursor, settings, cancellationToken).ConfigureAwait(false);

            var postCpu = CpuClock.ThisProcessMilliseconds();
            var output = SuggestionPostProcessor.Process(result.Text, snapshot, _cursor, settings.Multiline, cancellationToken);
            postCpu = CpuClock.ThisProcessMilliseconds() - postCpu;
            step.Advance();
            if (i == 0)
                continue;
            var serverGeneration = Clock.Milliseconds(generationStarted, generationEnded);
            // Neither generation may be cut by the deadline (the server's is timed by its "generating" status
            // notifications): a cut is wall-clock luck, not work. The bench's deadline is long, so this is rare.
            if (result.StopReason == StopReason.Deadline || serverGeneration >= settings.GenerationDeadline.TotalMilliseconds * 0.95)
            {
                excluded++;
                continue;
            }
            // The server reports text and healed text; the FIM pieces behind them are the plan's own.
            var samePrompt = plan.Prompt.Text == serverPrompt.Text && plan.Prompt.HealedText == serverPrompt.HealedText
                && plan.Request(settings).StopStrings.SequenceEqual(request.StopStrings);
            var sameOutput = output == answer;
            if (!samePrompt || !sameOutput)
                unequal.Add(UnequalPair(i, plan.Prompt, serverPrompt, output, answer));
            CpuClock.AddDelta(serverThreadsBefore, serverThreadsAfter, serverThreads);
            CpuClock.AddDelta(ownThreadsBefore, ownThreadsAfter, rawThreads);
            samples.Add(new PairSample(
                a, b, a / serverGeneration, Clock.Milliseconds(sentAt, generationStarted), serverGeneration, a - Clock.Milliseconds(sentAt, generationEnded),
                serverCpu, ownCpu, contextMs, contextCpuMs, postCpu, result, samePrompt, sameOutput, didGenerate));
        }
        if (unequal.Count > 0)
        {
            throw new InvalidOperationException(
                $"the A/B was not equal work in {unequal.Count} of {samples.Count} pairs, so its ratio would mean nothing: {unequal[0]}");
        }
        if (samples.Count == 0)
        {
            throw new InvalidOperationException(
                $"no A/B pair could be counted: all {excluded} reached the {settings.GenerationDeadline.TotalSeconds:F0} s generation deadline");
        }
        var counted = Math.Max(1, samples.Count);
        double Mean(Func<PairSample, double> of) => samples.Count == 0 ? double.NaN : samples.Average(of);
        Distribution Of(Func<PairSample, double> of) => Distribution.Of([.. samples.Select(of)]);
        return new OverheadFigures(
            samples.Count, excluded, Of(s => s.Lsp), Of(s => s.Raw), Of(s => s.Lsp - s.Raw).P50, Of(s => s.WithinRequestRatio).P50,
            samples.Count(s => s.PromptIdentical), samples.Count(s => s.OutputIdentical), samples.Count(s => s.Generated),
            Mean(s => s.Result.NewTokens), Mean(s => s.Result.ReusedPromptTokens), Mean(s => s.Result.PromptTokens),
            Of(s => s.ServerBeforeGeneration), Of(s => s.ServerGeneration), Of(s => s.ServerAfterGeneration),
            Of(s => s.ContextMs), Of(s => s.ContextCpuMs), Of(s => s.PostProcessingCpuMs),
            Of(s => s.Result.TimeToFirstToken.TotalMilliseconds),
            samples.GroupBy(s => s.Result.StopReason.ToString()).ToDictionary(g => g.Key, g => g.Count()),
            Mean(s => s.ServerCpu), Mean(s => s.RawCpu), samples.Sum(s => s.ServerCpu) / samples.Sum(s => s.RawCpu),
            serverThreads.ToDictionary(t => t.Key, t => t.Value / counted), rawThreads.ToDictionary(t => t.Key, t => t.Value / counted));
    }

    /// <summary>What differed in an unequal pair: where the prompts part, or both outputs.</summary>
    private static string UnequalPair(int pair, CompletionPrompt raw, CompletionPrompt server, string? rawOutput, string? serverAnswer)
    {
        static string Show(string? text) => text is null ? "nothing" : $"\"{text.Replace("\n", "\\n", StringComparison.Ordinal)}\"";
        if (raw.Text != server.Text)
        {
            var at = 0;
            while (at < Math.Min(raw.Text.Length, server.Text.Length) && raw.Text[at] == server.Text[at])
                at++;
            var serverPart = server.Text[at..Math.Min(server.Text.Length, at + 40)];
            var rawPart = raw.Text[at..Math.Min(raw.Text.Length, at + 40)];
            return $"pair {pair}: the prompts part at character {at} of {server.Text.Length} (server {Show(serverPart)}, raw side {Show(rawPart)})";
        }
        if (raw.HealedText != server.HealedText)
            return $"pair {pair}: same prompt, but the server heals {Show(server.HealedText)} and the raw side {Show(raw.HealedText)}";
        return $"pair {pair}: same prompt, but the server answered {Show(serverAnswer)} and the raw side generated {Show(rawOutput)}";
    }

    /// <summary>One A/B pair: wall and CPU times of both sides, the server's own timeline, and the in-process replicas.</summary>
    private sealed record PairSample(
        double Lsp, double Raw, double WithinRequestRatio, double ServerBeforeGeneration, double ServerGeneration, double ServerAfterGeneration,
        double ServerCpu, double RawCpu, double ContextMs, double ContextCpuMs, double PostProcessingCpuMs, GenerationResult Result,
        bool PromptIdentical, bool OutputIdentical, bool Generated);

    /// <summary>
    /// When the server's generation for the request sent at <paramref name="sentAt"/> started and ended, from the
    /// codeAssist/status notifications it sends around model work ("generating", then back to "ready").
    /// </summary>
    private async Task<(long Started, long Ended)> GenerationWindowAsync(long sentAt)
    {
        static long At(System.Text.Json.Nodes.JsonObject n) => n["receivedAt"]!.GetValue<long>();
        var started = await _server.WaitForNotificationAsync("codeAssist/status",
            n => At(n) > sentAt && (string?)n["params"]?["state"] == "generating", TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        var ended = await _server.WaitForNotificationAsync("codeAssist/status",
            n => At(n) > At(started) && (string?)n["params"]?["state"] != "generating", TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        return (At(started), At(ended));
    }

    /// <summary>Switches the server to another model as a settings change does, and waits until it answers with it.</summary>
    public async Task SwitchModelAsync(string modelDirectory)
    {
        await _session.ChangeConfigurationAsync(new { modelPath = modelDirectory }).ConfigureAwait(false);
        // codeAssist/context waits for the model being loaded, so once it answers the new model is in place.
        await _session.ContextAsync(_document, _cursor).ConfigureAwait(false);
    }

    /// <summary>
    /// Type-through cache hits, one at a time: at an empty line the scripted model suggests
    /// <see cref="BenchPlan.ScriptedSuggestion"/>, then the suggestion is typed character by character and each
    /// request must be answered by the cache with the rest of it.
    /// </summary>
    public async Task<TypeThroughFigures> TypeThroughAsync(int hits, string scriptedDirectory, AssistSettings settings, IBenchStep step)
    {
        var times = new List<double>();
        var verified = 0;
        // A fresh line first: the server keeps type-through entries across a model switch, and one from the last
        // A/B pair would otherwise answer here with the previous model's text.
        await TypeStatementAsync(1000).ConfigureAwait(false);
        var before = await _session.StatsAsync().ConfigureAwait(false);
        while (times.Count < hits)
        {
            var beforeRequest = await _session.StatsAsync().ConfigureAwait(false);
            var (suggestion, _) = await _session.InlineCompletionAsync(_document, _cursor).ConfigureAwait(false);
            if (suggestion != BenchPlan.ScriptedSuggestion)
            {
                var explanation = await ExplainMissingSuggestionAsync(scriptedDirectory, settings, beforeRequest, suggestion).ConfigureAwait(false);
                throw new InvalidOperationException(explanation);
            }
            var j = 0;
            for (; j < suggestion.Length - 1 && times.Count < hits; j++)
            {
                await TypeAsync(suggestion[j].ToString()).ConfigureAwait(false);
                var (rest, ms) = await _session.InlineCompletionAsync(_document, _cursor).ConfigureAwait(false);
                times.Add(ms);
                if (rest == suggestion[(j + 1)..])
                    verified++;
                step.Advance();
            }
            // Accepting the rest ends the line, and the next round starts on a fresh one.
            await TypeAsync(suggestion[j..] + "\n        ").ConfigureAwait(false);
        }
        var cacheHits = (await _session.StatsAsync().ConfigureAwait(false) - before).CacheHits;
        return new TypeThroughFigures((int)cacheHits, verified, Distribution.Of(times));
    }

    /// <summary>
    /// Why the scripted model's suggestion did not come back: what the server counted, and what the same model makes
    /// of the server's prompt in this process, before and after post-processing.
    /// </summary>
    private async Task<string> ExplainMissingSuggestionAsync(string scriptedDirectory, AssistSettings settings, ServerStats before, string? answer)
    {
        var stats = await _session.StatsAsync().ConfigureAwait(false) - before;
        var (prompt, _) = await _session.ContextAsync(_document, _cursor).ConfigureAwait(false);
        using var scripted = LanguageModel.Load(scriptedDirectory);
        var snapshot = _engine.Documents.TryGet(_document.Uri)!;
        var request = CompletionPlan.RequestFor(prompt, CompletionPlan.AllowsBlockAt(snapshot, _cursor, settings), settings);
        var result = await scripted.GenerateAsync(request, CancellationToken.None).ConfigureAwait(false);
        var processed = SuggestionPostProcessor.Process(result.Text, snapshot, _cursor, settings.Multiline, CancellationToken.None);
        var line = snapshot.Text.Lines.GetLineFromPosition(_cursor);
        var dump = Path.Combine(Path.GetTempPath(), "codeassist-bench-missing-suggestion.cs");
        await File.WriteAllTextAsync(dump, snapshot.Text.ToString()).ConfigureAwait(false);
        var withSuggestion = snapshot.Text.WithChanges(new Microsoft.CodeAnalysis.Text.TextChange(new(_cursor, 0), result.Text));
        var errors = Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText(withSuggestion)
            .GetDiagnostics()
            .Where(d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error)
            .Take(3)
            .Select(d => $"{d.GetMessage()} at {d.Location.SourceSpan}");
        var answered = answer is null ? "nothing" : $"\"{answer}\"";
        var afterProcessing = processed is null ? "nothing" : $"\"{processed}\"";
        return $"the scripted model's suggestion did not come back at offset {_cursor} (the server answered {answered}; " +
               $"document written to {dump}; syntax errors with the suggestion: {string.Join("; ", errors)}). " +
               $"The server counted {stats.Requests} request(s), {stats.Generations} generation(s), " +
               $"{stats.Cancelled} cancelled, {stats.CacheHits} cache hit(s). " +
               $"In this process the same model generated \"{result.Text}\" ({result.StopReason}, " +
               $"{result.NewTokens} tokens, {result.Elapsed.TotalMilliseconds:F0} ms) from the server's {result.PromptTokens}-token prompt, " +
               $"which post-processing turned into {afterProcessing}; cursor line {line.LineNumber + 1}: \"{snapshot.Text.ToString(line.Span)}\". " +
               $"The server's last log lines:\n{_server.StderrTail}";
    }

    /// <summary>
    /// A typist at a steady pace, one didChange and one inlineCompletion per keystroke, never waiting for answers:
    /// lines that accept the suggestion by typing it, lines of the user's own code, and lines that start like the
    /// suggestion and then go elsewhere.
    /// </summary>
    public async Task<TypingFigures> TypingAsync(int keystrokes, string modelName, IBenchStep step)
    {
        var plan = TypingPlan(keystrokes);
        var pending = new List<(long SentAt, Task<LspResponse> Response, string? ExpectedHit)>();
        var before = await _session.StatsAsync().ConfigureAwait(false);
        var start = Clock.Now();
        var dueMs = 0.0;
        for (var k = 0; k < plan.Count; k++)
        {
            dueMs += plan[k].PauseBeforeMs;
            var wait = dueMs - Clock.MillisecondsSince(start);
            if (wait > 0)
                await Task.Delay(TimeSpan.FromMilliseconds(wait)).ConfigureAwait(false);
            await TypeAsync(plan[k].Keys).ConfigureAwait(false);
            var sentAt = Clock.Now();
            pending.Add((sentAt, _session.StartInlineCompletion(_document, _cursor).Response, plan[k].RestIfAccepting));
            step.Advance();
        }
        var hitTimes = new List<double>();
        var missTimes = new List<double>();
        var all = new List<double>();
        foreach (var (sentAt, response, expected) in pending)
        {
            var answer = await response.WaitAsync(TimeSpan.FromMinutes(2)).ConfigureAwait(false);
            var ms = Clock.Milliseconds(sentAt, answer.ReceivedAt);
            all.Add(ms);
            if (expected is not null && EditorSession.FirstItemText(answer) == expected)
                hitTimes.Add(ms);
            else
                missTimes.Add(ms);
        }
        var stats = await _session.StatsAsync().ConfigureAwait(false) - before;
        return new TypingFigures(
            plan.Count, BenchPlan.KeystrokeIntervalMs, BenchPlan.LineStartPauseMs, Distribution.Of(all), Distribution.Of(hitTimes), Distribution.Of(missTimes),
            stats.Requests, stats.CacheHits, stats.Requests - stats.CacheHits, stats.Generations, stats.Cancelled,
            stats.Requests == 0 ? 0 : (double)stats.CacheHits / stats.Requests, modelName);
    }

    /// <summary>One keystroke: the text it types and, inside an accepted suggestion, the rest the cache should answer.</summary>
    private sealed record Keystroke(string Keys, string? RestIfAccepting, double PauseBeforeMs);

    private static List<Keystroke> TypingPlan(int count)
    {
        var suggestion = BenchPlan.ScriptedSuggestion;
        var plan = new List<Keystroke>();
        for (var line = 0; plan.Count < count; line++)
        {
            string typed;
            var accepting = 0;
            switch (line % 3)
            {
                case 0:
                    typed = suggestion;
                    accepting = suggestion.Length - 1;
                    break;
                case 1:
                    typed = $"Total += value * {line};";
                    break;
                default:
                    typed = suggestion[..10] + $"Count{line} = Count + {line};";
                    accepting = 9;
                    break;
            }
            for (var j = 0; j < typed.Length && plan.Count < count; j++)
            {
                plan.Add(new Keystroke(typed[j].ToString(), j < accepting ? suggestion[(j + 1)..] : null,
                    j == 0 ? BenchPlan.LineStartPauseMs : BenchPlan.KeystrokeIntervalMs));
            }
            if (plan.Count < count)
                plan.Add(new Keystroke("\n        ", null, BenchPlan.KeystrokeIntervalMs));
        }
        return plan;
    }

    private Task TypeStatementAsync(int i) => TypeAsync(BenchPlan.Statement(i));

    /// <summary>Inserts text at the cursor in the server's document and in the in-process mirror, and moves the cursor past it.</summary>
    private async Task TypeAsync(string text)
    {
        var at = _document.PositionOf(_cursor);
        await _session.ChangeAsync(_document, _cursor, _cursor, text).ConfigureAwait(false);
        _engine.Documents.Change(_document.Uri, _document.Version, [new DocumentEdit(at, at, text)]);
        _cursor += text.Length;
    }

    public async ValueTask DisposeAsync()
    {
        await _server.ShutdownAsync().ConfigureAwait(false);
        await _server.DisposeAsync().ConfigureAwait(false);
        if (_document is not null)
            _engine.Documents.Close(_document.Uri);
    }
}
