using System.Text.Json;
using CodeAssist.Engine.Context;
using CodeAssist.Engine.Evaluation;
using CodeAssist.Engine.Models;
using CodeAssist.Inference;
using CodeAssist.Server.Cli;

namespace CodeAssist.Bench.Commands;

/// <summary>
/// `codeassist eval --context-recall DIR [--positions N] [--seed S] [--model M] [--json FILE]`: context recall of the
/// server's context at the default budget, beside the Jaccard-window baseline of the same size (see
/// <see cref="ContextRecallEvaluation"/>). Only the model's tokenizer is used, to count the budget as the server does.
/// </summary>
internal static class ContextRecallEval
{
    public static async Task<int> RunAsync(
        DirectoryInfo directory, int positions, int seed, string? modelPath, FileInfo? json, CancellationToken cancellationToken,
        IReadOnlyList<string>? without = null)
    {
        if (!directory.Exists)
            throw new DirectoryNotFoundException($"{directory.FullName} does not exist; --context-recall takes a repository or solution folder");
        if (positions <= 0)
            throw new ArgumentException($"--positions must be at least 1 (was {positions})");
        using var model = LanguageModel.Load(ServeCommand.FullPathOrNull(modelPath) ?? ModelCatalog.ResolveDefault());
        var options = new ContextRecallOptions { Positions = positions, Seed = seed };
        var report = await ContextRecallEvaluation.RunAsync(directory.FullName, options, model.CountTokens,
            sources: without is { Count: > 0 } ? documents => [.. ContextSources.Default(documents).Where(s => !without.Contains(s.GetType().Name))] : null,
            new Progress<string>(m => Console.Error.WriteLine($"codeassist: {m}")), cancellationToken).ConfigureAwait(false);
        Console.Out.Write(report.Describe());
        if (json is not null)
            await File.WriteAllTextAsync(json.FullName, JsonSerializer.Serialize(report, JsonOptions), cancellationToken).ConfigureAwait(false);
        return 0;
    }

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase, IncludeFields = true,
    };
}
