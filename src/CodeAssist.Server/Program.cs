using System.CommandLine;
using CodeAssist.Server.Cli;

namespace CodeAssist.Server;

public static class Program
{
    /// <summary>
    /// The commands by name, in the order a new user needs them: check the install, try a completion, see its prompt,
    /// manage models, then what editors start and the refactorings.
    /// </summary>
    private static readonly (string Name, Func<Command> Create)[] Commands =
    [
        ("doctor", DoctorCommand.Create),
        ("complete", CompleteCommand.Create),
        ("context", ContextCommand.Create),
        ("model", ModelCommand.Create),
        ("serve", ServeCommand.Create),
        ("refactor", RefactorCommand.Create),
    ];

    public static async Task<int> Main(string[] args)
    {
        Engine.Hosting.StartupTimeline.Mark(Engine.Hosting.StartupTimeline.MainEntered);
        var root = new RootCommand("CodeAssist: AI inline completions and refactorings from a local model, over LSP. Nothing leaves the machine.");
        // Editors start `codeassist serve` for every window and wait for its answer to initialize: only the command named
        // first is built (its options, its help), not all of them. Anything else (no command, a typo, --help) gets the
        // whole tree, so help and suggestions list every command.
        var named = args.Length > 0 ? Array.Find(Commands, c => c.Name == args[0]) : default;
        foreach (var (_, create) in named.Create is null ? Commands : [named])
            root.Add(create());
        return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
    }
}
