using System.CommandLine;
using CodeAssist.ModelFactory;

namespace CodeAssist.Bench.Commands;

/// <summary>
/// `codeassist-bench model create DIR`: a test model in the GenAI folder format, written by ModelFactory (seeded random
/// weights, or a scripted model whose greedy output is a given text). The editors' end-to-end tests and the bench use
/// it; the shipped `codeassist` has no need of it and does not carry ModelFactory.
/// </summary>
internal static class ModelCreateCommand
{
    public static Command Create()
    {
        var directory = new Argument<DirectoryInfo>("dir") { Description = "Folder to write the model into" };
        var kind = new Option<string>("--kind")
        {
            Description = "random (seeded random weights) or scripted (greedy output is --script)", DefaultValueFactory = _ => "random",
        };
        kind.AcceptOnlyFromAmong("random", "scripted");
        var script = new Option<string?>("--script") { Description = "For --kind scripted: the exact text the model generates after a FIM prompt" };
        var size = new Option<string>("--size")
        {
            Description = "For --kind random: tiny (tests) or realistic (4 layers x 256 hidden, benchmarks)", DefaultValueFactory = _ => "tiny",
        };
        size.AcceptOnlyFromAmong("tiny", "realistic");
        var seed = new Option<int>("--seed") { Description = "Seed of the random weights", DefaultValueFactory = _ => 1 };
        var name = new Option<string?>("--name") { Description = "Model name written into codeassist.json" };
        var command = new Command("create", "Write a test model in the GenAI folder format (deterministic)") { directory, kind, script, size, seed, name };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(directory)!.FullName;
            if (parse.GetValue(kind) == "scripted")
            {
                var text = parse.GetValue(script);
                if (text is null)
                {
                    Console.Error.WriteLine("codeassist-bench: --kind scripted needs --script TEXT");
                    return 2;
                }
                ModelFolderWriter.WriteScripted(path, text.Replace("\\n", "\n"), parse.GetValue(name) ?? "codeassist-scripted");
            }
            else
            {
                var shape = parse.GetValue(size) == "realistic" ? DecoderShape.Realistic : DecoderShape.Tiny;
                ModelFolderWriter.WriteRandom(path, shape, parse.GetValue(seed), parse.GetValue(name) ?? "codeassist-random");
            }
            Console.Out.WriteLine($"wrote {path}");
            return 0;
        });
        return command;
    }
}
