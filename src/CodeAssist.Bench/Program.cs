using System.CommandLine;
using CodeAssist.Bench.Commands;

namespace CodeAssist.Bench;

/// <summary>
/// `codeassist-bench`: the development harness, kept out of the shipped `codeassist`. A new measurement is a new
/// command here (one file in Commands/) or a new phase of `bench` (docs/ARCHITECTURE.md, "src/CodeAssist.Bench").
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var root = new RootCommand("CodeAssist's development harness: benchmarks, evaluation and test models (not part of the installed product).")
        {
            BenchCommand.Create(),
            EvalCommand.Create(),
            RealModelsCommand.Create(),
            SolutionCommand.Create(),
            StandInCommand.Create(),
            new Command("model", "Test models, and plain folders rewritten in the model builder's shape")
            {
                ModelCreateCommand.Create(), ModelConvertCommand.Create(),
            },
        };
        return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
    }
}
