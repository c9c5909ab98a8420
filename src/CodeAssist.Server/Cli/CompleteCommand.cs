using System.CommandLine;
using System.Diagnostics;
using CodeAssist.Engine;
using CodeAssist.Engine.Completion;

namespace CodeAssist.Server.Cli;

/// <summary>`codeassist complete FILE --line L --column C`: the main job without an editor.</summary>
internal static class CompleteCommand
{
    public static Command Create()
    {
        var file = CommonOptions.File();
        var line = CommonOptions.Line();
        var column = CommonOptions.Column();
        var model = CommonOptions.Model();
        var device = CommonOptions.Device();
        var backend = CommonOptions.Backend();
        var maxTokens = new Option<int>("--max-tokens") { Description = "New tokens at most", DefaultValueFactory = _ => 64 };
        var candidates = new Option<int>("--candidates")
        {
            Description = "Suggestions to print (more than one samples extra candidates)", DefaultValueFactory = _ => 1,
        };
        var noProject = new Option<bool>("--no-project")
        {
            Description = "Do not load the enclosing solution or project (faster, text and loose-file context only)",
        };
        var command = new Command(
            "complete",
            "Print the suggestion for a position in a file. Exit code 0: a suggestion was printed; " +
            "1: no suggestion at this position (the reason is on stderr); 2: the file, the position or the model is unusable")
        {
            file, line, column, noProject, model, device, backend, maxTokens, candidates,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            try
            {
                // No 3-second cap here: that one keeps ghost text in step with typing, while a command waits for its answer.
                var settings = new AssistSettings
                {
                    MaxTokens = parse.GetValue(maxTokens),
                    Candidates = parse.GetValue(candidates),
                    GenerationDeadline = TimeSpan.FromMinutes(1),
                    Backend = CommonOptions.ParseBackend(parse.GetValue(backend)),
                };
                using var session = await FileSession.OpenAsync(
                    parse.GetValue(file)!, parse.GetValue(model), parse.GetValue(device)!, settings, cancellationToken,
                    loadProject: !parse.GetValue(noProject)).ConfigureAwait(false);
                var offset = session.OffsetOf(parse.GetValue(line), parse.GetValue(column));
                if (await session.Engine.Models.WhenLoadedAsync(cancellationToken).ConfigureAwait(false) is not { } loaded)
                {
                    Console.Error.WriteLine($"codeassist: {session.Engine.Models.LoadError}");
                    return 2;
                }
                var clock = Stopwatch.StartNew();
                var trigger = settings.Candidates > 1 ? CompletionTrigger.Invoked : CompletionTrigger.Automatic;
                var query = new InlineCompletionQuery(session.Document.Uri, offset, trigger);
                var result = await session.Engine.Completion.CompleteAsync(query, cancellationToken).ConfigureAwait(false);
                Console.Error.WriteLine($"codeassist: {loaded.Name} on {loaded.Backend}, {result.Items.Count} suggestion(s) in {clock.ElapsedMilliseconds} ms");
                if (result.Items.Count == 0 && loaded.Problem is { } problem)
                {
                    // A team server that cannot answer: its fault, not the position's.
                    Console.Error.WriteLine($"codeassist: {problem}");
                    return 2;
                }
                if (result.Items.Count == 0)
                {
                    Console.Error.WriteLine("codeassist: no suggestion at this position (the model's output was empty after clean-up)");
                    return 1;
                }
                foreach (var item in result.Items)
                    Console.Out.WriteLine(item.Text);
                return 0;
            }
            catch (Exception e) when (e is ArgumentException or BadRequestException or FileNotFoundException)
            {
                Console.Error.WriteLine($"codeassist: {e.Message}");
                return 2;
            }
        });
        return command;
    }
}
