using System.CommandLine;
using CodeAssist.Bench.Performance;

namespace CodeAssist.Bench.Commands;

/// <summary>
/// `codeassist-bench solution DIR [--shape quick|full]`: writes the bench's generated solution (the one `bench` measures)
/// into a folder, so that `eval --context-recall` and the other evals can use it as one of their held-out sets. The
/// same shape always gives byte-identical files.
/// </summary>
internal static class SolutionCommand
{
    public static Command Create()
    {
        var directory = new Argument<DirectoryInfo>("dir") { Description = "Folder to write the solution into" };
        var shape = new Option<string>("--shape")
        {
            Description = "quick (4 projects, 40 files, ~10k lines) or full (8 projects, 400 files, ~100k lines)", DefaultValueFactory = _ => "quick",
        };
        shape.AcceptOnlyFromAmong("quick", "full");
        var command = new Command("solution", "Write the bench's generated C# solution into a folder (deterministic)") { directory, shape };
        command.SetAction(parse =>
        {
            var root = parse.GetValue(directory)!.FullName;
            var files = GeneratedSolution.Write(root, parse.GetValue(shape) == "full" ? SolutionShape.Full : SolutionShape.Quick);
            Console.Out.WriteLine($"wrote {GeneratedSolution.SolutionPath(root)}: {files.Count} files, {files.Sum(f => f.Lines)} lines");
            return 0;
        });
        return command;
    }
}
