using System.CommandLine;
using CodeAssist.Server.Cli;

namespace CodeAssist.Server;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var root = new RootCommand("CodeAssist: AI inline completions and refactorings from a local model, over LSP. Nothing leaves the machine.")
        {
            ServeCommand.Create(),
            CompleteCommand.Create(),
            ContextCommand.Create(),
            DoctorCommand.Create(),
            ModelCommand.Create(),
            RefactorCommand.Create(),
        };
        return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
    }
}
