using System.Globalization;
using System.Text;
using System.Text.Json;
using CodeAssist.Bench.Performance;
using CodeAssist.Engine;
using CodeAssist.Engine.Completion;
using CodeAssist.Engine.Completion.PostProcessing;
using CodeAssist.Engine.Documents;
using CodeAssist.Engine.Evaluation;
using CodeAssist.Engine.Hosting;
using CodeAssist.Server;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace CodeAssist.Bench.Commands;

/// <summary>
/// One held-out position: what was shown with the compiler check off, on, and on with every suggestion bound in a fork
/// (the check before speculative binding, the A/B's other side), and whether each adds a compiler error.
/// </summary>
public sealed record CompilerErrorPosition(
    string File, int Line, bool InMethodBody, string Removed, string ShownOff, string? AddedOff, string ShownOn, string? AddedOn,
    string ShownForkOnly = "", string? AddedForkOnly = null);

/// <summary>One run of the compiler check: the side (check on, or fork only), its verdict, how it bound, wall and CPU milliseconds.</summary>
public sealed record CompilerCheckTime(string Verdict, double Milliseconds, double CpuMilliseconds = double.NaN, string Binding = "", bool ForkOnly = false);

/// <summary>What `eval --compiler-errors` prints and writes.</summary>
public sealed record CompilerErrorReport(
    string Model, string Directory, int Seed, IReadOnlyList<CompilerErrorPosition> Positions, IReadOnlyList<CompilerCheckTime> Checks)
{
    public (int Shown, int WithError) Off => Share(_ => true, off: true);

    public (int Shown, int WithError) On => Share(_ => true, off: false);

    /// <summary>The same inside method bodies only (where the check bound suggestions until #20's second session).</summary>
    public (int Shown, int WithError) OffInBodies => Share(p => p.InMethodBody, off: true);

    public (int Shown, int WithError) OnInBodies => Share(p => p.InMethodBody, off: false);

    /// <summary>Everywhere else: declarations, field initializers, attributes, using directives, expression-bodied properties.</summary>
    public (int Shown, int WithError) OffElsewhere => Share(p => !p.InMethodBody, off: true);

    public (int Shown, int WithError) OnElsewhere => Share(p => !p.InMethodBody, off: false);

    /// <summary>The same with every suggestion bound in a fork (the A/B's other side), everywhere, in bodies and elsewhere.</summary>
    public (int Shown, int WithError) ForkOnly => ShareForkOnly(_ => true);

    public (int Shown, int WithError) ForkOnlyInBodies => ShareForkOnly(p => p.InMethodBody);

    public (int Shown, int WithError) ForkOnlyElsewhere => ShareForkOnly(p => !p.InMethodBody);

    private (int Shown, int WithError) Share(Func<CompilerErrorPosition, bool> where, bool off) => off
        ? (Positions.Count(p => where(p) && p.ShownOff.Length > 0), Positions.Count(p => where(p) && p.AddedOff is not null))
        : (Positions.Count(p => where(p) && p.ShownOn.Length > 0), Positions.Count(p => where(p) && p.AddedOn is not null));

    private (int Shown, int WithError) ShareForkOnly(Func<CompilerErrorPosition, bool> where) =>
        (Positions.Count(p => where(p) && p.ShownForkOnly.Length > 0), Positions.Count(p => where(p) && p.AddedForkOnly is not null));

    public string Describe()
    {
        static string Share((int Shown, int WithError) s) =>
            s.Shown == 0 ? "-" : string.Create(CultureInfo.InvariantCulture, $"{(double)s.WithError / s.Shown:P1} ({s.WithError}/{s.Shown})");
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{Model} on {Directory}, {Positions.Count} held-out positions (seed {Seed}): ");
        text.Append(CultureInfo.InvariantCulture, $"shown suggestions that add a compiler error, check off {Share(Off)}, check on {Share(On)}; ");
        text.Append(CultureInfo.InvariantCulture, $"in method bodies off {Share(OffInBodies)}, on {Share(OnInBodies)}; ");
        text.Append(CultureInfo.InvariantCulture, $"elsewhere off {Share(OffElsewhere)}, on {Share(OnElsewhere)}\n");
        text.Append(CultureInfo.InvariantCulture, $"fork only (A/B, the check before speculative binding): {Share(ForkOnly)}; ");
        text.Append(CultureInfo.InvariantCulture, $"in method bodies {Share(ForkOnlyInBodies)}; elsewhere {Share(ForkOnlyElsewhere)}\n");
        foreach (var side in Checks.GroupBy(c => c.ForkOnly).OrderBy(g => g.Key))
        {
            DescribeTimes(text, side.Key ? "compiler check, fork only (A/B)" : "compiler check", [.. side]);
            foreach (var binding in side.GroupBy(c => c.Binding).OrderBy(g => g.Key, StringComparer.Ordinal))
                DescribeTimes(text, $"  bound {binding.Key}", [.. binding]);
        }
        foreach (var error in Positions.Where(p => p.AddedOn is not null).Take(8))
            text.Append(CultureInfo.InvariantCulture, $"  still shown with an error: {error.File}:{error.Line} `{error.ShownOn.Trim()}`: {error.AddedOn}\n");
        foreach (var error in Positions.Where(p => p.AddedForkOnly is not null).Take(8))
        {
            text.Append(CultureInfo.InvariantCulture,
                $"  fork only, still shown with an error: {error.File}:{error.Line} `{error.ShownForkOnly.Trim()}`: {error.AddedForkOnly}\n");
        }
        return text.ToString();
    }

    private static void DescribeTimes(StringBuilder text, string name, IReadOnlyList<CompilerCheckTime> checks)
    {
        var wall = Distribution.Of([.. checks.Select(c => c.Milliseconds)]);
        var cpu = Distribution.Of([.. checks.Select(c => c.CpuMilliseconds)]);
        text.Append(CultureInfo.InvariantCulture, $"{name}: {checks.Count} checks, wall p50 {wall.P50:F1} / p95 {wall.P95:F1} / max {wall.Max:F1} ms, ");
        text.Append(CultureInfo.InvariantCulture, $"CPU p50 {cpu.P50:F1} / p95 {cpu.P95:F1} ms; ");
        text.AppendJoin(", ", checks.GroupBy(c => c.Verdict).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}"));
        text.Append('\n');
    }
}

/// <summary>
/// `codeassist-bench eval --compiler-errors DIR [--positions N] [--seed S] [--model M] [--json FILE]` (#20): at held-out
/// positions of the solution in DIR (a real line cut at a random column, the rest of the line removed, as
/// <c>--context-recall</c> draws them), the engine completes the line twice, with the compiler check off and on, and
/// each shown suggestion is judged by compiling the whole document with it, against the document without it: it adds
/// an error when the compiler reports one, at or after the cursor, that the document did not have. "Adds" is the
/// engine's one definition (<see cref="CompilerErrors"/>: errors of constructs the parser found unfinished are
/// excused, except a name that exists nowhere); the judge differs from the check in what it binds: the whole document
/// from the cursor on, in the workspace's own compilation with nullable analysis, where the check binds the members
/// the suggestion touches in a fork of the last compilation. Each check's time is printed too.
/// </summary>
internal static class CompilerErrorEval
{
    public static async Task<int> RunAsync(
        DirectoryInfo directory, int positions, int seed, string? modelPath, FileInfo? json, CancellationToken cancellationToken)
    {
        if (!directory.Exists)
            throw new DirectoryNotFoundException($"{directory.FullName} does not exist; --compiler-errors takes a solution folder");
        var root = Path.TrimEndingDirectorySeparator(directory.FullName);
        var settings = new AssistSettings
        {
            ModelPath = GeneratedCaseEval.Model(modelPath), Candidates = 1, GenerationDeadline = TimeSpan.FromMinutes(1), CompilerCheck = false,
        };
        using var engine = new EngineHost(settings, new ServerLog(LogLevel.Warn), new EngineOptions());
        engine.UseWorkspace([root]);
        engine.StartModelLoad();
        if (await engine.Models.WhenLoadedAsync(cancellationToken).ConfigureAwait(false) is not { } loaded)
            throw new ArgumentException($"the model did not load: {engine.Models.LoadError}");
        var load = await engine.LoadProjectsAsync(engine.FindProjectSystem(), null, cancellationToken).ConfigureAwait(false);
        if (load.Solution is null)
            throw new ArgumentException($"no solution or project could be loaded from {root}");
        await engine.Workspace.Warming.ConfigureAwait(false);
        var checks = new List<CompilerCheckTime>();
        var compilerCheck = engine.Completion.CompilerCheck!;
        compilerCheck.Checked += (result, cost) =>
        {
            lock (checks)
            {
                checks.Add(new CompilerCheckTime(result.Verdict.ToString(), cost.Elapsed.TotalMilliseconds, cost.Cpu.TotalMilliseconds,
                    cost.Binding.ToString(), !compilerCheck.Speculate));
            }
        };

        var solution = engine.Workspace.CurrentSolution;
        var documents = solution.Projects.SelectMany(p => p.Documents)
            .Where(d => d.FilePath is { } path && path.StartsWith(root, StringComparison.Ordinal) && !path.Contains("/obj/", StringComparison.Ordinal))
            .DistinctBy(d => d.FilePath).OrderBy(d => d.FilePath, StringComparer.Ordinal).ToList();
        var texts = new List<(string Path, SourceText Text)>();
        foreach (var document in documents)
            texts.Add((document.FilePath!, await document.GetTextAsync(cancellationToken).ConfigureAwait(false)));

        var results = new List<CompilerErrorPosition>();
        var version = 1;
        foreach (var position in HeldOutPosition.Draw(texts, seed).Take(positions))
        {
            var document = documents.First(d => d.FilePath == position.FilePath);
            var original = texts.First(t => t.Path == position.FilePath).Text;
            var cutText = original.WithChanges(new TextChange(TextSpan.FromBounds(position.Cut, position.End), ""));
            var before = cutText.ToString();
            var uri = new Uri(position.FilePath);
            engine.Documents.Open(uri, "csharp", version, original.ToString());
            try
            {
                var start = original.Lines.GetLinePosition(position.Cut);
                var end = original.Lines.GetLinePosition(position.End);
                engine.Documents.Change(uri, version + 1, [new DocumentEdit((start.Line, start.Character), (end.Line, end.Character), "")]);
                // Off, on, and on with every suggestion bound in a fork (the A/B: same positions, same generations; the
                // two checked sides alternate which goes first, so the load's drift falls on both).
                var shown = new string[3];
                var added = new string?[3];
                int[] order = results.Count % 2 == 0 ? [0, 1, 2] : [0, 2, 1];
                foreach (var check in order)
                {
                    engine.ApplySettings(settings with { CompilerCheck = check > 0 });
                    compilerCheck.Speculate = check != 2;
                    // The other side's suggestion must not come back from the type-through cache.
                    engine.Completion.Cache.Clear();
                    var result = await engine.Completion.CompleteAsync(
                        new InlineCompletionQuery(uri, position.Cut, CompletionTrigger.Automatic), cancellationToken).ConfigureAwait(false);
                    shown[check] = result.Items.Count > 0 ? result.Items[0].Text : "";
                    added[check] = shown[check].Trim().Length == 0 ? null
                        : await AddedErrorAsync(document, before, position.Cut, shown[check], cancellationToken).ConfigureAwait(false);
                }
                var tree = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
                var inBody = tree!.FindToken(position.Cut).Parent?.AncestorsAndSelf().OfType<BaseMethodDeclarationSyntax>()
                    .Any(m => (m.Body ?? (SyntaxNode?)m.ExpressionBody)?.Span.Contains(position.Cut) == true) == true;
                results.Add(new CompilerErrorPosition(Path.GetRelativePath(root, position.FilePath), position.Line + 1, inBody,
                    original.ToString(TextSpan.FromBounds(position.Cut, position.End)), shown[0], added[0], shown[1], added[1], shown[2], added[2]));
            }
            finally
            {
                engine.Documents.Close(uri);
            }
            version += 2;
            if (results.Count % 25 == 0)
                Console.Error.WriteLine($"codeassist-bench: {results.Count}/{positions} positions");
        }
        var report = new CompilerErrorReport(loaded.Name, root, seed, results, checks);
        Console.Out.Write(report.Describe());
        if (json is not null)
            await File.WriteAllTextAsync(json.FullName, JsonSerializer.Serialize(report, JsonOptions), cancellationToken).ConfigureAwait(false);
        return 0;
    }

    /// <summary>The first compiler error the suggestion adds to the document at or after the cursor (null when none), as "CSnnnn: message".</summary>
    private static async Task<string?> AddedErrorAsync(Document document, string before, int cut, string suggestion, CancellationToken cancellationToken)
    {
        var without = await ErrorsAsync(document.WithText(SourceText.From(before)), cut, cancellationToken).ConfigureAwait(false);
        var with = await ErrorsAsync(document.WithText(SourceText.From(before.Insert(cut, suggestion))), cut, cancellationToken).ConfigureAwait(false);
        return CompilerErrors.FirstAdded(without, with)?.ToString();
    }

    /// <summary>The document's binding errors that end at or after <paramref name="cut"/>, without the excused ones.</summary>
    private static async Task<List<CompilerError>> ErrorsAsync(Document document, int cut, CancellationToken cancellationToken)
    {
        var model = (await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false))!;
        return [.. CompilerErrors.In(model, null, cancellationToken).Where(e => e.Span.End >= cut)];
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };
}
