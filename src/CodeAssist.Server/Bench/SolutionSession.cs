using CodeAssist.Engine;
using CodeAssist.Engine.Completion;
using CodeAssist.Engine.Completion.PostProcessing;
using CodeAssist.Engine.Documents;
using CodeAssist.Inference;
using CodeAssist.Inference.Generation;

namespace CodeAssist.Server.Bench;

internal sealed record TimeToCompletion(double LooseAfterInitializeMs, double SolutionLoadedAfterInitializeMs, double WithSolutionAfterInitializeMs,
    double FirstAfterLoadMs, bool MembersBeforeLoad, bool MembersAfterLoad, double InitializeMs);

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
        var answered = await _session.InitializeAsync(solutionRoot, ServerSessions.InitializationOptions).ConfigureAwait(false);
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
        var membersBefore = await MembersVisibleAsync().ConfigureAwait(false);
        step.Advance();

        var loaded = await _server.WaitForNotificationAsync("$/progress",
            n => (string?)n["params"]?["value"]?["kind"] == "end", TimeSpan.FromMinutes(10)).ConfigureAwait(false);
        var loadedAt = loaded["receivedAt"]!.GetValue<long>();
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
    /// Whether the server knows the members of a class declared in another file of the project, which it can only
    /// once the solution is loaded: types <c>Peer.</c>, reads the context's piece kinds, and takes the text back out.
    /// </summary>
    private async Task<bool> MembersVisibleAsync()
    {
        var start = _cursor;
        await TypeAsync("var probe = Peer.").ConfigureAwait(false);
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
    /// the server suggests a block and so sets no stop string. A is the LSP request; B generates the prompt the server
    /// built (fetched with codeAssist/context after A, so A is not warmed by it) with the same token limit, stop
    /// rules and deadline, on an identical model, in this process. Both models reuse the previous pair's KV cache
    /// in the same way because they see the same prompts in the same order. Then the server's context build and
    /// post-processing are re-run here on the same text for the breakdown.
    /// </summary>
    public async Task<OverheadFigures> OverheadAsync(int pairs, AssistSettings settings, IBenchStep step, CancellationToken cancellationToken)
    {
        var lsp = new List<double>();
        var raw = new List<double>();
        var paired = new List<double>();
        var contextTimes = new List<double>();
        var contextCpu = new List<double>();
        var nearDeadline = 0;
        var postProcessing = new List<double>();
        var rest = new List<double>();
        var newTokens = new List<double>();
        var reused = new List<double>();
        var promptTokens = new List<double>();
        var firstToken = new List<double>();
        var stopReasons = new Dictionary<string, int>();
        var identical = 0;
        var generated = 0;
        double lspCpu = 0, rawCpu = 0;
        var budget = Math.Min(settings.ContextBudget, _raw.Window - settings.MaxTokens - 16);
        // Pair 0 warms both sides (JIT, first generator); it is not counted.
        for (var i = 0; i <= pairs; i++)
        {
            await TypeStatementAsync(i + 1).ConfigureAwait(false);
            var before = await _session.StatsAsync().ConfigureAwait(false);

            var serverCpu = CpuClock.OfProcessMilliseconds(_server.ProcessId);
            var (_, a) = await _session.InlineCompletionAsync(_document, _cursor).ConfigureAwait(false);
            serverCpu = CpuClock.OfProcessMilliseconds(_server.ProcessId) - serverCpu;

            var (prompt, _) = await _session.ContextAsync(_document, _cursor).ConfigureAwait(false);
            var didGenerate = (await _session.StatsAsync().ConfigureAwait(false) - before).Generations == 1;
            var snapshot = _engine.Documents.TryGet(_document.Uri)!;
            var request = new GenerationRequest(prompt, settings.MaxTokens)
            {
                Deadline = settings.GenerationDeadline,
                StopStrings = settings.Multiline && SuggestionSite.At(snapshot, _cursor, true).AllowsBlock ? [] : ["\n"],
            };
            var ownCpu = CpuClock.ThisProcessMilliseconds();
            var start = Clock.Now();
            var result = await _raw.GenerateAsync(request, cancellationToken).ConfigureAwait(false);
            var b = Clock.MillisecondsSince(start);
            ownCpu = CpuClock.ThisProcessMilliseconds() - ownCpu;

            var (context, contextMs, contextCpuMs, _, _) = await _engine.BuildAsync(snapshot, _cursor, budget, _raw.CountTokens, cancellationToken).ConfigureAwait(false);
            start = Clock.Now();
            SuggestionPostProcessor.Process(result.Text, snapshot, _cursor, settings.Multiline, cancellationToken);
            var postMs = Clock.MillisecondsSince(start);
            step.Advance();
            if (i == 0)
                continue;
            // A raw generation cut by the deadline, or close enough that the server's (same work, other moment) may
            // have been, is not a pair of equal work.
            if (result.StopReason == StopReason.Deadline || result.Elapsed > settings.GenerationDeadline * 2 / 3)
            {
                nearDeadline++;
                continue;
            }
            lsp.Add(a);
            lspCpu += serverCpu;
            rawCpu += ownCpu;
            raw.Add(b);
            paired.Add(a - b);
            contextTimes.Add(contextMs);
            contextCpu.Add(contextCpuMs);
            postProcessing.Add(postMs);
            rest.Add(a - b - contextMs - postMs);
            newTokens.Add(result.NewTokens);
            reused.Add(result.ReusedPromptTokens);
            promptTokens.Add(result.PromptTokens);
            firstToken.Add(result.TimeToFirstToken.TotalMilliseconds);
            stopReasons[result.StopReason.ToString()] = stopReasons.GetValueOrDefault(result.StopReason.ToString()) + 1;
            if (InlineCompletionEngine.PromptFor(_raw, context) == prompt)
                identical++;
            if (didGenerate)
                generated++;
        }
        var counted = Math.Max(1, lsp.Count);
        return new OverheadFigures(lsp.Count, nearDeadline, Distribution.Of(lsp), Distribution.Of(raw), Distribution.Of(paired).P50, identical, generated,
            Average(newTokens), Average(reused), Average(promptTokens),
            Distribution.Of(contextTimes), Distribution.Of(contextCpu), Distribution.Of(postProcessing), Distribution.Of(rest), Distribution.Of(firstToken), stopReasons,
            lspCpu / counted, rawCpu / counted, lspCpu / rawCpu);
    }

    private static double Average(List<double> values) => values.Count == 0 ? double.NaN : values.Average();

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
    public async Task<TypeThroughFigures> TypeThroughAsync(int hits, IBenchStep step)
    {
        var times = new List<double>();
        var verified = 0;
        var before = await _session.StatsAsync().ConfigureAwait(false);
        while (times.Count < hits)
        {
            var (suggestion, _) = await _session.InlineCompletionAsync(_document, _cursor).ConfigureAwait(false);
            if (suggestion is null || suggestion.Length < 2)
                throw new InvalidOperationException($"the scripted model's suggestion did not come back (got \"{suggestion}\"); the server's last log lines:\n{_server.StderrTail}");
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
        return new TypingFigures(plan.Count, BenchPlan.KeystrokeIntervalMs, BenchPlan.LineStartPauseMs, Distribution.Of(all), Distribution.Of(hitTimes), Distribution.Of(missTimes),
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
                plan.Add(new Keystroke(typed[j].ToString(), j < accepting ? suggestion[(j + 1)..] : null,
                    j == 0 ? BenchPlan.LineStartPauseMs : BenchPlan.KeystrokeIntervalMs));
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
