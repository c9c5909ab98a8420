using System.CommandLine;
using CodeAssist.Engine;
using CodeAssist.Engine.Completion;
using CodeAssist.Inference.Remote;

namespace CodeAssist.Server.Cli;

/// <summary>`codeassist context FILE --line L --column C`: the prompt and what each piece of context cost.</summary>
internal static class ContextCommand
{
    public static Command Create()
    {
        var file = CommonOptions.File();
        var line = CommonOptions.Line();
        var column = CommonOptions.Column();
        var model = CommonOptions.Model();
        var backend = CommonOptions.Backend();
        var budget = new Option<int>("--budget") { Description = "Prompt token budget", DefaultValueFactory = _ => 1536 };
        var noProject = new Option<bool>("--no-project")
        {
            Description = "Do not load the enclosing solution or project (faster, text and loose-file context only)",
        };
        var command = new Command("context", "Print the prompt built for a position, with the tokens each piece used")
        {
            file, line, column, noProject, model, backend, budget,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            try
            {
                var settings = new AssistSettings { Backend = CommonOptions.ParseBackend(parse.GetValue(backend)) };
                using var session = await FileSession.OpenAsync(
                    parse.GetValue(file)!, parse.GetValue(model), "cpu", settings, cancellationToken, loadProject: !parse.GetValue(noProject))
                    .ConfigureAwait(false);
                var offset = session.OffsetOf(parse.GetValue(line), parse.GetValue(column));
                if (await session.Engine.Models.WhenLoadedAsync(cancellationToken).ConfigureAwait(false) is not { } loaded)
                {
                    Console.Error.WriteLine($"codeassist: {session.Engine.Models.LoadError}");
                    return 2;
                }
                var context = await session.Engine.ContextBuilder.BuildAsync(
                    session.Document, offset, parse.GetValue(budget), loaded.CountTokens, session.Engine.WorkspaceRoot, cancellationToken,
                    loaded.CursorContextAboveCursorLine).ConfigureAwait(false);
                Console.Out.WriteLine($"budget {parse.GetValue(budget)} tokens, used {context.Pieces.Sum(p => p.Tokens)}");
                foreach (var piece in context.Pieces)
                    Console.Out.WriteLine($"  {piece.Kind,-14} {piece.Tokens,6} tokens  {piece.Source}");
                var prompt = CompletionPlan.PromptFor(loaded, context);
                if (prompt.HealedText is { Length: > 0 } healed)
                {
                    var shown = healed.Replace("\n", "\\n", StringComparison.Ordinal).Replace("\t", "\\t", StringComparison.Ordinal);
                    Console.Out.WriteLine($"token healing: the prompt stops before \"{shown}\"; the reply must start with it");
                }
                Console.Out.WriteLine("---- prompt ----");
                Console.Out.WriteLine(prompt.Text);
                if (RemoteModel.Of(loaded) is { } remote)
                {
                    // What goes over the wire: llama.cpp's /infill gets the pieces, not the prompt text.
                    var request = CompletionPlan.RequestFor(prompt, CompletionPlan.AllowsBlockAt(session.Document, offset, settings), settings);
                    var wire = remote.WireRequestFor(request);
                    Console.Out.WriteLine($"---- request to {remote.Backend}: POST /{wire.Path} ----");
                    Console.Out.WriteLine(wire.Body.ToJsonString(RemoteModel.WireJson));
                }
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
