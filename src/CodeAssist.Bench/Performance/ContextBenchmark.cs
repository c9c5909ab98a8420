using CodeAssist.Engine.Context;
using CodeAssist.Engine.Documents;

namespace CodeAssist.Bench.Performance;

/// <summary>A cursor position the context benchmark creates by typing into a generated file.</summary>
internal sealed record ProbeEdit(string Kind, int Offset, string Inserted);

/// <summary>
/// Context builds on the generated solution at many positions, each an edit the way a user makes it (a new line
/// ending in <c>expr.</c>, in an open argument list, or empty in a method body), then undone.
/// </summary>
internal static class ContextBenchmark
{
    private static readonly string[] Receivers = ["Peer.", "_entries.", "label.", "_upstream.", "Peer.Entries.", "this."];
    private static readonly string[] Calls = ["Peer.Compute2(", "Add(", "Math.Round(", "_upstream.Compute1(", "string.Join("];

    /// <summary>Three probes in one file: after a dot, in an argument list, on an empty line of a method body.</summary>
    public static IReadOnlyList<ProbeEdit> ProbesFor(GeneratedFile file, string text, int methodsPerClass)
    {
        var probes = new List<ProbeEdit>();
        var kinds = new (string Kind, string Inserted)[]
        {
            ("after dot", "        var probe = " + Pick(Receivers, file, 0)),
            ("argument list", "        var probe = " + Pick(Calls, file, 1)),
            ("method body", "        "),
        };
        for (var k = 0; k < kinds.Length; k++)
        {
            var method = (file.Index * 7 + k * 5) % methodsPerClass;
            var offset = MethodBodyStart(text, method);
            var inserted = kinds[k].Inserted;
            // The upstream field exists only past the first project; fall back to the peer there.
            if (file.Project == 0)
                inserted = inserted.Replace("_upstream.", "Peer.", StringComparison.Ordinal);
            probes.Add(new ProbeEdit(kinds[k].Kind, offset, inserted));
        }
        return probes;
    }

    /// <summary>The offset of the first line inside <c>ComputeN</c>'s body.</summary>
    public static int MethodBodyStart(string text, int method)
    {
        var signature = $"public decimal Compute{method}(int value, string label)\n    {{\n";
        var at = text.IndexOf(signature, StringComparison.Ordinal);
        if (at < 0)
            throw new InvalidOperationException($"the generated file has no Compute{method}");
        return at + signature.Length;
    }

    /// <summary>
    /// What the compiler check is timed on after each build: a suggestion of the kind the model makes there (for the
    /// generated code: the scripted model's statement, a call's arguments, a member every receiver has).
    /// </summary>
    private static string CheckedSuggestion(string kind) => kind switch
    {
        "after dot" => "ToString();",
        "argument list" => "value, label);",
        _ => BenchPlan.ScriptedSuggestion,
    };

    private static string Pick(string[] choices, GeneratedFile file, int salt) => choices[(file.Project * 31 + file.Index * 3 + salt) % choices.Length];

    public static async Task<ContextFigures> RunAsync(InProcessEngine engine, IReadOnlyList<GeneratedFile> files, SolutionShape shape, double loadMilliseconds,
        double warmUpMilliseconds, int positions, int budget, Func<string, int> countTokens, IBenchStep step, CancellationToken cancellationToken)
    {
        var fileCount = Math.Max(1, positions / 3);
        // Files spread evenly over every project.
        var chosenCount = Math.Min(fileCount, files.Count);
        var chosen = Enumerable.Range(0, chosenCount).Select(i => files[(int)((long)i * files.Count / chosenCount)]).ToList();
        var builds = new List<double>();
        var cpu = new List<double>();
        var firstInProject = new List<double>();
        var byKind = new Dictionary<string, List<double>>();
        var byProbe = new Dictionary<string, List<double>>();
        var bySource = new Dictionary<string, List<double>>();
        var bySourceCpu = new Dictionary<string, List<double>>();
        var byKindAndSource = new Dictionary<string, Dictionary<string, List<double>>>();
        var promptTokens = new List<double>();
        var checks = new List<double>();
        var checksCpu = new List<double>();
        var forkChecks = new List<double>();
        var forkChecksCpu = new List<double>();
        var verdicts = new Dictionary<string, int>(StringComparer.Ordinal);
        var projectsSeen = new HashSet<int>();
        int afterDot = 0, afterDotWithMembers = 0;
        var version = 1;
        using var prompts = new PromptRecord(Environment.GetEnvironmentVariable(PromptsVariable));
        foreach (var file in chosen)
        {
            var text = await File.ReadAllTextAsync(file.Path, cancellationToken).ConfigureAwait(false);
            var uri = new Uri(file.Path);
            engine.Documents.Open(uri, "csharp", version++, text);
            foreach (var probe in ProbesFor(file, text, shape.MethodsPerClass))
            {
                var opened = engine.Documents.TryGet(uri)!;
                var at = opened.PositionOf(probe.Offset);
                var edited = engine.Documents.Change(uri, version++, [new DocumentEdit(at, at, probe.Inserted + "\n")]);
                var cursor = probe.Offset + probe.Inserted.Length;
                var (context, milliseconds, cpuMilliseconds, sources, sourcesCpu) =
                    await engine.BuildAsync(edited, cursor, budget, countTokens, cancellationToken).ConfigureAwait(false);
                if (projectsSeen.Add(file.Project))
                {
                    firstInProject.Add(milliseconds);
                }
                else
                {
                    builds.Add(milliseconds);
                    cpu.Add(cpuMilliseconds);
                    Add(byKind, probe.Kind, milliseconds);
                    if (probe.Kind != "method body")
                        Add(byProbe, probe.Inserted.Trim().Replace("var probe = ", "", StringComparison.Ordinal), milliseconds);
                    if (!byKindAndSource.TryGetValue(probe.Kind, out var kindSources))
                        byKindAndSource[probe.Kind] = kindSources = [];
                    foreach (var (source, ms) in sources)
                    {
                        Add(bySource, source, ms);
                        Add(kindSources, source, ms);
                    }
                    foreach (var (source, ms) in sourcesCpu)
                        Add(bySourceCpu, source, ms);
                    // After the build, as the engine runs it: against the base the build left. The A/B's other side (every
                    // suggestion bound in a fork) checks the same suggestion; which side goes first alternates.
                    var forkFirst = checks.Count % 2 == 1;
                    if (forkFirst)
                        await CheckForkOnlyAsync().ConfigureAwait(false);
                    var (verdict, checkMs, checkCpuMs) = await engine.CheckAsync(edited, cursor, CheckedSuggestion(probe.Kind), speculate: true,
                        cancellationToken)
                        .ConfigureAwait(false);
                    checks.Add(checkMs);
                    checksCpu.Add(checkCpuMs);
                    verdicts[verdict.ToString()] = verdicts.GetValueOrDefault(verdict.ToString()) + 1;
                    if (!forkFirst)
                        await CheckForkOnlyAsync().ConfigureAwait(false);

                    async Task CheckForkOnlyAsync()
                    {
                        var (_, forkMs, forkCpuMs) = await engine.CheckAsync(edited, cursor, CheckedSuggestion(probe.Kind), speculate: false, cancellationToken)
                            .ConfigureAwait(false);
                        forkChecks.Add(forkMs);
                        forkChecksCpu.Add(forkCpuMs);
                    }
                }
                promptTokens.Add(context.Pieces.Sum(p => p.Tokens));
                prompts.Add($"{Path.GetFileName(file.Path)} {probe.Kind} {probe.Inserted.Trim()}", context);
                if (probe.Kind == "after dot")
                {
                    afterDot++;
                    if (context.Pieces.Any(p => p.Kind == "members"))
                        afterDotWithMembers++;
                }
                var end = edited.PositionOf(probe.Offset + probe.Inserted.Length + 1);
                engine.Documents.Change(uri, version++, [new DocumentEdit(at, end, "")]);
                step.Advance();
            }
            engine.Documents.Close(uri);
        }
        return new ContextFigures(
            shape.Projects, files.Count, files.Sum(f => f.Lines), loadMilliseconds, warmUpMilliseconds, builds.Count + firstInProject.Count,
            Distribution.Of(builds), Distribution.Of(cpu), Distribution.Of(firstInProject),
            byKind.ToDictionary(k => k.Key, k => Distribution.Of(k.Value)),
            byProbe.ToDictionary(k => k.Key, k => Distribution.Of(k.Value)),
            bySource.ToDictionary(k => k.Key, k => Distribution.Of(k.Value)),
            bySourceCpu.ToDictionary(k => k.Key, k => Distribution.Of(k.Value)),
            byKindAndSource.ToDictionary(
                k => k.Key, k => (IReadOnlyDictionary<string, Distribution>)k.Value.ToDictionary(s => s.Key, s => Distribution.Of(s.Value))),
            promptTokens.Count == 0 ? 0 : promptTokens.Average(), afterDot, afterDotWithMembers, prompts.Sha256(),
            Distribution.Of(checks), Distribution.Of(checksCpu), verdicts, Distribution.Of(forkChecks), Distribution.Of(forkChecksCpu));
    }

    /// <summary>
    /// When set to a folder, every context the benchmark builds is written there, one file per position, so two builds
    /// of the server can be compared with <c>diff -r</c>; the report's <c>prompts_sha256</c> says whether they differ.
    /// </summary>
    public const string PromptsVariable = "CODEASSIST_BENCH_PROMPTS";

    /// <summary>Every context built, in order: a digest over all of them and, on request, one file per position.</summary>
    private sealed class PromptRecord(string? folder) : IDisposable
    {
        private readonly System.Security.Cryptography.IncrementalHash _hash =
            System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        private int _count;

        public void Add(string position, CompletionContext context)
        {
            var text = new System.Text.StringBuilder().Append("# ").Append(position).Append('\n');
            foreach (var piece in context.Pieces)
            {
                text.Append("## ").Append(piece.Kind).Append(" | ").Append(piece.Source).Append(" | ").Append(piece.Tokens).Append('\n')
                    .Append(piece.Text).Append('\n');
            }
            var bytes = System.Text.Encoding.UTF8.GetBytes(text.ToString());
            _hash.AppendData(bytes);
            if (folder is not null)
            {
                Directory.CreateDirectory(folder);
                File.WriteAllBytes(Path.Combine(folder, $"{_count:D3}.txt"), bytes);
            }
            _count++;
        }

        public string Sha256() => Convert.ToHexStringLower(_hash.GetCurrentHash());

        public void Dispose() => _hash.Dispose();
    }

    private static void Add(Dictionary<string, List<double>> into, string key, double value)
    {
        if (!into.TryGetValue(key, out var list))
            into[key] = list = [];
        list.Add(value);
    }
}
