using System.CommandLine;
using CodeAssist.Server.Cli;

namespace CodeAssist.Server;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        Engine.Hosting.StartupTimeline.Mark(Engine.Hosting.StartupTimeline.MainEntered);
        var root = new RootCommand("CodeAssist: AI inline completions and refactorings from a local model, over LSP. Nothing leaves the machine.")
        {
            // In the order a new user needs them: check the install, try a completion, see its prompt, manage models,
            // then what editors start and the refactorings.
            DoctorCommand.Create(),
            CompleteCommand.Create(),
            ContextCommand.Create(),
            ModelCommand.Create(),
            ServeCommand.Create(),
            RefactorCommand.Create(),
        };
        return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
    }
}
