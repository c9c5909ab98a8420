using System.CommandLine;
using CodeAssist.Bench.Performance;
using CodeAssist.Inference.Models;
using Spectre.Console;

namespace CodeAssist.Bench.Commands;

/// <summary>
/// `codeassist-bench bench [--quick] [--json FILE] [--model DIR]`: the server's own overhead over a raw generation, start-up,
/// context builds on a generated solution, the type-through cache, a typing session, KV reuse, throughput and memory,
/// measured in one run (see docs/PERFORMANCE.md for the method).
/// </summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var quick = new Option<bool>("--quick") { Description = "Fewer iterations and a ~10k-line solution: under two minutes" };
        var smoke = new Option<bool>("--smoke")
        {
            Description = "Every phase once with the least work, its checks kept: for the test suite, so the bench cannot rot; not figures to quote",
        };
        var json = new Option<FileInfo?>("--json") { Description = "Also write the figures as JSON to this file" };
        var model = new Option<string?>("--model")
        {
            Description = "GenAI model folder to measure (default: random weights of realistic shape, generated into a temporary folder)",
        };
        var contextOnly = new Option<bool>("--context-only")
        {
            Description = "Only the context builds on the generated solution (no generation, no server processes): " +
                          "a quick loop when working on the context engine",
        };
        var nextEditOnly = new Option<bool>("--next-edit-only")
        {
            Description = "Only the next-edit phase on the generated solution (locations, validation, whole suggestions): " +
                          "no context builds, no server processes",
        };
        var draft = new Option<string?>("--draft")
        {
            Description = "Draft model folder for the speculative section " +
                          "(default with the generated model: a generated random draft; with --model: none)",
        };
        var speculativeOnly = new Option<bool>("--speculative-only")
        {
            Description = "Only generation alone, KV reuse and the speculative decoding comparison (no solution, no server processes)",
        };
        var startupOnly = new Option<bool>("--startup-only")
        {
            Description = "Only the start-up timeline: the server started 5 times (7 without --quick) on the generated solution with " +
                          "an empty project cache, then again on the cache that start wrote, a ReadyToRun hello world before each round",
        };
        var backend = new Option<string?>("--backend")
        {
            Description = "Measure CodeAssist's overhead around a team server's completion against the raw HTTP round trip of the same request: " +
                          "KIND=URL (openai, llamacpp, ollama; key from CODEASSIST_API_KEY), or stand-in for a loopback llama.cpp-shaped server",
        };
        var standIn = StandInCommand.ScheduleOptions(EngineSchedule.SevenBillionOnOneGpu);
        var command = new Command("bench", "Measure latency, overhead, context build time, caching and memory; prints a table and JSON")
        {
            quick, smoke, json, model, contextOnly, nextEditOnly, draft, speculativeOnly, startupOnly, backend, standIn.FirstToken, standIn.PerToken,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (parse.GetValue(backend) is { } server)
            {
                return await TeamServerBenchmark.RunAsync(server, parse.GetValue(smoke) ? 10 : parse.GetValue(quick) ? 50 : 200,
                    StandInCommand.Schedule(parse, standIn),
                    Console.Out, cancellationToken).ConfigureAwait(false);
            }
            var modelPath = parse.GetValue(model);
            if (modelPath is not null && ModelFolder.Verify(Path.GetFullPath(modelPath)) is { Count: > 0 } problems)
            {
                Console.Error.WriteLine($"codeassist-bench: the model folder {Path.GetFullPath(modelPath)} cannot be used: {string.Join("; ", problems)}");
                return 2;
            }
            var draftPath = parse.GetValue(draft) is { } d ? Path.GetFullPath(d) : null;
            if (draftPath is not null && modelPath is not null
                && DraftModelPair.Incompatibilities(Path.GetFullPath(modelPath), draftPath) is { Count: > 0 } mismatch)
            {
                Console.Error.WriteLine($"codeassist-bench: the draft {draftPath} does not fit {Path.GetFullPath(modelPath)}: {string.Join("; ", mismatch)}");
                return 2;
            }
            var plan = (parse.GetValue(smoke) ? BenchPlan.SmokePlan : parse.GetValue(quick) ? BenchPlan.QuickPlan : BenchPlan.Full) with
            {
                ContextOnly = parse.GetValue(contextOnly) || parse.GetValue(nextEditOnly),
                NextEditOnly = parse.GetValue(nextEditOnly),
                SpeculativeOnly = parse.GetValue(speculativeOnly),
                StartupOnly = parse.GetValue(startupOnly),
            };
            var report = await BenchRunner.RunAsync(plan, modelPath, cancellationToken, draftPath).ConfigureAwait(false);
            if (Console.IsOutputRedirected)
                AnsiConsole.Profile.Width = 160;
            AnsiConsole.Write(BenchTable.Of(report));
            var text = report.ToJson();
            Console.Out.WriteLine(text);
            if (parse.GetValue(json) is { } output)
                await File.WriteAllTextAsync(output.FullName, text + "\n", cancellationToken).ConfigureAwait(false);
            return report.Errors.Count == 0 ? 0 : 1;
        });
        return command;
    }
}
