using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using CodeAssist.Bench.Evaluation;
using CodeAssist.Engine;
using CodeAssist.Engine.Completion;
using CodeAssist.Engine.Hosting;
using CodeAssist.Server;
using CodeAssist.Server.Cli;

namespace CodeAssist.Bench.Commands;

/// <summary>
/// `codeassist-bench eval --model DIR --set FILE`: exact match and edit similarity of fill-in-the-middle completions
/// through the server's own pipeline (context, model, post-processing). The set is JSON lines of
/// {file, prefix, suffix, middle}; when a files/ folder lies beside it (the held-out files the training tool
/// writes), it is copied to a scratch workspace so Roslyn sees real files, and each example's file is written
/// there without its middle while it is completed.
/// </summary>
internal static class EvalCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var device = CommonOptions.Device();
        var set = new Option<FileInfo?>("--set") { Description = "FIM examples, JSON lines of {file, prefix, suffix, middle}" };
        var noSemantic = new Option<bool>("--no-semantic") { Description = "Only the current file's text as context, no Roslyn context sources" };
        var json = new Option<FileInfo?>("--json") { Description = "Also write the scores and every completion to this JSON file" };
        var limit = new Option<int?>("--limit") { Description = "Evaluate only the first N examples" };
        var recall = new Option<DirectoryInfo?>("--context-recall")
        {
            Description = "Measure context recall (no model run) over the repository or solution in this folder",
        };
        var compilerErrors = new Option<DirectoryInfo?>("--compiler-errors")
        {
            Description = "Share of shown suggestions that add a compiler error, with the compiler check off and on, at held-out positions of the solution " +
                          "in this folder",
        };
        var positions = new Option<int>("--positions")
        {
            Description = "Held-out positions for --context-recall or --compiler-errors", DefaultValueFactory = _ => 200,
        };
        var seed = new Option<int>("--seed")
        {
            Description = "Seed that draws the --context-recall positions or the --next-edit and --refactorings cases",
            DefaultValueFactory = _ => 1,
        };
        var without = new Option<string[]>("--without")
        {
            Description = "For --context-recall: leave these context sources out (class names, e.g. SimilarWindowsSource), to measure what each adds",
            AllowMultipleArgumentsPerToken = true,
        };
        var nextEdit = new Option<DirectoryInfo?>("--next-edit")
        {
            Description = "Measure next-edit location accuracy and exact match through the server, " +
                          "on cases generated with Roslyn from the solution in this folder",
        };
        var refactorings = new Option<DirectoryInfo?>("--refactorings")
        {
            Description = "Measure Add argument validation, Document this member and Simplify through the server, " +
                          "on methods of the solution in this folder, scored against what Roslyn determines",
        };
        var cases = new Option<int>("--cases")
        {
            Description = "Generated cases for --next-edit, or per refactoring for --refactorings", DefaultValueFactory = _ => 20,
        };
        var command = new Command(
            "eval",
            "Score a model's completions on a FIM evaluation set (exact match, edit similarity), the context alone (--context-recall), " +
            "next-edit suggestions (--next-edit) or refactorings (--refactorings)")
        {
            model, device, set, noSemantic, json, limit, recall, compilerErrors, positions, seed, without, nextEdit, refactorings, cases,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            try
            {
                if (parse.GetValue(nextEdit) is { } solution)
                {
                    return await NextEditEval.RunAsync(
                        solution, parse.GetValue(cases), parse.GetValue(seed), parse.GetValue(model), parse.GetValue(json), cancellationToken)
                        .ConfigureAwait(false);
                }
                if (parse.GetValue(refactorings) is { } methods)
                {
                    return await RefactoringEval.RunAsync(
                        methods, parse.GetValue(cases), parse.GetValue(seed), parse.GetValue(model), parse.GetValue(json), cancellationToken)
                        .ConfigureAwait(false);
                }
                if (parse.GetValue(recall) is { } directory)
                {
                    return await ContextRecallEval.RunAsync(
                        directory, parse.GetValue(positions), parse.GetValue(seed), parse.GetValue(model), parse.GetValue(json), cancellationToken,
                        parse.GetValue(without)).ConfigureAwait(false);
                }
                if (parse.GetValue(compilerErrors) is { } checkedSolution)
                {
                    return await CompilerErrorEval.RunAsync(
                        checkedSolution, parse.GetValue(positions), parse.GetValue(seed), parse.GetValue(model), parse.GetValue(json), cancellationToken)
                        .ConfigureAwait(false);
                }
                if (parse.GetValue(set) is null)
                {
                    throw new ArgumentException(
                        "eval needs --set FILE (completions scored against a FIM set), --context-recall DIR (the context alone), " +
                        "--next-edit DIR (next-edit suggestions) or --refactorings DIR (refactorings)");
                }
                var examples = ReadSet(parse.GetValue(set)!);
                if (parse.GetValue(limit) is { } n)
                    examples = [.. examples.Take(n)];
                var report = await RunAsync(
                    examples, parse.GetValue(set)!, parse.GetValue(model), parse.GetValue(device)!, !parse.GetValue(noSemantic), cancellationToken)
                    .ConfigureAwait(false);
                if (report is null)
                    return 2;
                Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{report.Model}: {report.Examples} examples, exact match {report.ExactMatch:P1}, " +
                    $"edit similarity {report.EditSimilarity:F3}, {report.MeanMilliseconds:F0} ms per completion, " +
                    $"semantic context {(report.SemanticContext ? "on" : "off")}, {report.Errors} pipeline errors"));
                foreach (var error in report.Results.Where(r => r.Error is not null).Select(r => r.Error).Distinct().Take(3))
                    Console.Error.WriteLine($"codeassist-bench: pipeline error (scored as no suggestion): {error}");
                if (parse.GetValue(json) is { } output)
                    await File.WriteAllTextAsync(output.FullName, JsonSerializer.Serialize(report, JsonOptions), cancellationToken).ConfigureAwait(false);
                return 0;
            }
            catch (Exception e) when (e is ArgumentException or BadRequestException or FileNotFoundException or JsonException or DirectoryNotFoundException)
            {
                Console.Error.WriteLine($"codeassist-bench: {e.Message}");
                return 2;
            }
        });
        return command;
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    private static async Task<EvalReport?> RunAsync(
        List<EvalExample> examples, FileInfo setFile, string? modelPath, string device, bool semanticContext, CancellationToken cancellationToken)
    {
        var workspace = Directory.CreateTempSubdirectory("codeassist-eval-");
        try
        {
            var heldOutFiles = Path.Combine(setFile.DirectoryName!, "files");
            if (Directory.Exists(heldOutFiles))
                CopyDirectory(heldOutFiles, workspace.FullName);
            // Quality, not speed, is measured: a loaded machine must not cut generations short.
            var settings = new AssistSettings
            {
                ModelPath = ServeCommand.FullPathOrNull(modelPath), Device = device, Candidates = 1, GenerationDeadline = TimeSpan.FromMinutes(1),
            };
            using var engine = new EngineHost(settings, new ServerLog(LogLevel.Warn), new EngineOptions { SemanticContext = semanticContext });
            engine.UseWorkspace([workspace.FullName]);
            engine.StartModelLoad();
            if (await engine.Models.WhenLoadedAsync(cancellationToken).ConfigureAwait(false) is not { } loaded)
            {
                Console.Error.WriteLine($"codeassist-bench: {engine.Models.LoadError}");
                return null;
            }

            var results = new List<EvalResult>();
            var clock = new Stopwatch();
            foreach (var example in examples)
            {
                var path = Path.GetFullPath(Path.Combine(workspace.FullName, example.File));
                if (!path.StartsWith(workspace.FullName, StringComparison.Ordinal))
                    throw new ArgumentException($"{example.File} in {setFile.FullName} leaves the workspace; example paths must be relative");
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                var original = File.Exists(path) ? await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false) : null;
                var text = example.Prefix + example.Suffix;
                await File.WriteAllTextAsync(path, text, cancellationToken).ConfigureAwait(false);
                var uri = new Uri(path);
                var document = engine.Documents.Open(uri, LanguageIds.FromPath(path), 1, text);
                try
                {
                    clock.Restart();
                    var completion = "";
                    string? error = null;
                    try
                    {
                        var query = new InlineCompletionQuery(uri, example.Prefix.Length, CompletionTrigger.Automatic);
                        var result = await engine.Completion.CompleteAsync(query, cancellationToken).ConfigureAwait(false);
                        completion = result.Items.Count > 0 ? result.Items[0].Text : "";
                    }
                    catch (BadRequestException e)
                    {
                        // The server answers such a request with an error, so the user sees no suggestion: scored as
                        // an empty completion, and counted so the report shows the pipeline failed, not the model.
                        error = e.Message;
                    }
                    var elapsed = clock.Elapsed.TotalMilliseconds;
                    results.Add(new EvalResult(
                        example.File, example.Middle, completion,
                        FimScores.ExactMatch(completion, example.Middle), FimScores.EditSimilarity(completion, example.Middle), elapsed, error));
                }
                finally
                {
                    engine.Documents.Close(uri);
                    if (original is null)
                        File.Delete(path);
                    else
                        await File.WriteAllTextAsync(path, original, cancellationToken).ConfigureAwait(false);
                }
                if (results.Count % 25 == 0)
                    Console.Error.WriteLine($"codeassist-bench: {results.Count}/{examples.Count} examples");
            }
            return new EvalReport(loaded.Name, modelPath ?? "(default)", semanticContext, results.Count, results.Count(r => r.Error is not null),
                results.Count == 0 ? 0 : results.Average(r => r.Exact ? 1.0 : 0.0),
                results.Count == 0 ? 0 : results.Average(r => r.EditSimilarity),
                results.Count == 0 ? 0 : results.Average(r => r.Milliseconds),
                results);
        }
        finally
        {
            workspace.Delete(recursive: true);
        }
    }

    private static List<EvalExample> ReadSet(FileInfo set)
    {
        if (!set.Exists)
            throw new FileNotFoundException($"{set.FullName} does not exist; the training tool writes one with `codeassist-train evalset`");
        var examples = new List<EvalExample>();
        var lineNumber = 0;
        foreach (var line in File.ReadLines(set.FullName))
        {
            lineNumber++;
            if (line.Length == 0)
                continue;
            var example = JsonSerializer.Deserialize<EvalExample>(line, JsonOptions);
            if (example is null || example.File is null || example.Prefix is null || example.Suffix is null || example.Middle is null)
                throw new ArgumentException($"line {lineNumber} of {set.FullName} is not an example; each line needs file, prefix, suffix and middle");
            examples.Add(example);
        }
        return examples;
    }

    private static void CopyDirectory(string source, string target)
    {
        Directory.CreateDirectory(target);
        foreach (var file in Directory.EnumerateFiles(source))
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        foreach (var directory in Directory.EnumerateDirectories(source))
            CopyDirectory(directory, Path.Combine(target, Path.GetFileName(directory)));
    }

    private sealed record EvalExample(string File, string Prefix, string Suffix, string Middle);

    private sealed record EvalResult(string File, string Middle, string Completion, bool Exact, double EditSimilarity, double Milliseconds, string? Error);

    private sealed record EvalReport(
        string Model, string ModelPath, bool SemanticContext, int Examples, int Errors,
        double ExactMatch, double EditSimilarity, double MeanMilliseconds, IReadOnlyList<EvalResult> Results);
}
