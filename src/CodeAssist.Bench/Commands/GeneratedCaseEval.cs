using System.Text.Json;
using CodeAssist.Bench.Performance;
using CodeAssist.Engine.Models;
using CodeAssist.Engine.Workspace;
using CodeAssist.Server.Cli;
using Microsoft.CodeAnalysis;

namespace CodeAssist.Bench.Commands;

/// <summary>
/// What the evals over cases Roslyn generates from a solution share (`eval --next-edit`, `eval --refactorings`):
/// loading the solution to make the cases, the served session they run in, and how the report is printed and written.
/// </summary>
internal static class GeneratedCaseEval
{
    /// <summary>The solution or project folder <paramref name="option"/> names, loaded once to generate the cases.</summary>
    public static async Task<(string Root, IReadOnlyList<TCase> Cases)> CasesAsync<TCase>(DirectoryInfo directory, string option, int count,
        Func<Solution, CancellationToken, Task<IReadOnlyList<TCase>>> generate, CancellationToken cancellationToken)
    {
        if (!directory.Exists)
            throw new DirectoryNotFoundException($"{directory.FullName} does not exist; {option} takes a solution or project folder");
        if (count <= 0)
            throw new ArgumentException($"--cases must be at least 1 (was {count})");
        var root = Path.TrimEndingDirectorySeparator(directory.FullName);
        Console.Error.WriteLine($"codeassist: loading {root} to generate the {option} cases");
        using var workspace = new CodeWorkspace { WarmCompilationsAfterLoad = false };
        var load = await workspace.LoadProjectsAsync(SolutionLoader.FindProjectSystem([root]), null, cancellationToken).ConfigureAwait(false);
        var solution = load.Solution ?? throw new ArgumentException($"no solution or project could be loaded from {root}");
        return (root, await generate(solution, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>The model folder --model names, or the installed default.</summary>
    public static string Model(string? modelPath) => ServeCommand.FullPathOrNull(modelPath) ?? ModelCatalog.ResolveDefault();

    /// <summary>
    /// The real server on <paramref name="root"/>, once its solution has loaded and its model is ready. Generations get
    /// two minutes: this measures quality, and a loaded machine must not cut them short.
    /// </summary>
    public static async Task<(LspServerProcess Server, EditorSession Session)> ServeAsync(string root, string model, object? settings = null)
    {
        var server = LspServerProcess.Start(["--model", model]);
        try
        {
            var session = new EditorSession(server);
            var options = JsonSerializer.SerializeToNode(settings ?? new { })!.AsObject();
            options["generationDeadlineMs"] = 120_000;
            await session.InitializeAsync(root, options).ConfigureAwait(false);
            // The solution's own end ("N project(s) loaded"; the model's load ends with "… ready", often first), then the
            // compilations' warm-up: the cases need the loaded projects' compilations, and completions have the semantic
            // context only after it.
            await server.WaitForNotificationAsync("$/progress", StartupBenchmark.IsSolutionLoadEnd, TimeSpan.FromMinutes(10))
                .ConfigureAwait(false);
            await server.WaitForNotificationAsync("$/progress", StartupBenchmark.IsCompilationsReadyEnd, TimeSpan.FromMinutes(10))
                .ConfigureAwait(false);
            await server.WaitForNotificationAsync(
                "codeAssist/status", n => (string?)n["params"]?["state"] == "ready", TimeSpan.FromMinutes(10)).ConfigureAwait(false);
            return (server, session);
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Prints the report and the first few distinct problems, and writes it to --json FILE when given.</summary>
    public static async Task<int> ReportAsync<TReport>(
        TReport report, string description, IEnumerable<string?> problems, FileInfo? json, CancellationToken cancellationToken)
    {
        Console.Out.Write(description);
        foreach (var problem in problems.OfType<string>().Distinct().Take(3))
            Console.Error.WriteLine($"codeassist-bench: {problem}");
        if (json is not null)
            await File.WriteAllTextAsync(json.FullName, JsonSerializer.Serialize(report, JsonOptions), cancellationToken).ConfigureAwait(false);
        return 0;
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };
}
