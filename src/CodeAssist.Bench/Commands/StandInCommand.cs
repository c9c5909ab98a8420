using System.CommandLine;
using System.Text.RegularExpressions;
using CodeAssist.Bench.Performance;

namespace CodeAssist.Bench.Commands;

/// <summary>
/// `codeassist-bench stand-in --reply TEXT`: a llama.cpp-shaped team server on a free loopback port that streams
/// TEXT to every /infill, for the editors' end-to-end suites (no engine can be installed here). Prints its URL as
/// the first line of stdout, then each request as it arrives ("POST /infill"), and serves until stdin closes or the
/// process is stopped.
/// </summary>
internal static partial class StandInCommand
{
    /// <summary>The stand-in engine's schedule options, shared by this command and `bench --backend stand-in`.</summary>
    public static (Option<int> FirstToken, Option<int> PerToken) ScheduleOptions(EngineSchedule defaults) =>
    (
        new Option<int>("--stand-in-first-token-ms")
        {
            Description = "The stand-in engine's prompt processing before its first token, in ms",
            DefaultValueFactory = _ => (int)defaults.FirstToken.TotalMilliseconds,
        },
        new Option<int>("--stand-in-token-ms")
        {
            Description = "The stand-in engine's time per generated token, in ms (12: ~80 tokens/s, a 7B coder model on one GPU)",
            DefaultValueFactory = _ => (int)defaults.PerToken.TotalMilliseconds,
        }
    );

    public static EngineSchedule Schedule(ParseResult parse, (Option<int> FirstToken, Option<int> PerToken) options) =>
        new(TimeSpan.FromMilliseconds(Math.Max(0, parse.GetValue(options.FirstToken))),
            TimeSpan.FromMilliseconds(Math.Max(0, parse.GetValue(options.PerToken))));

    public static Command Create()
    {
        var reply = new Option<string>("--reply") { Description = "What the stand-in generates for every completion", Required = true };
        var schedule = ScheduleOptions(new EngineSchedule(TimeSpan.Zero, TimeSpan.Zero));
        var command = new Command("stand-in", "Serve a llama.cpp-shaped team server on 127.0.0.1 that streams --reply; prints its URL, stops when stdin closes")
        {
            reply, schedule.FirstToken, schedule.PerToken,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            // Word by word, each with the blank before it, as a tokenizer streams.
            var pieces = Words().Matches(parse.GetValue(reply)!).Select(m => m.Value).ToList();
            var output = TextWriter.Synchronized(Console.Out);
            using var server = LoopbackLlamaServer.Start(pieces, Schedule(parse, schedule), request =>
            {
                output.WriteLine(request);
                output.Flush();
            });
            output.WriteLine(server.Url);
            output.Flush();
            try
            {
                await Console.In.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Stopped.
            }
            return 0;
        });
        return command;
    }

    [GeneratedRegex(@"\s*\S+|\s+$")]
    private static partial Regex Words();
}
