using System.CommandLine;

namespace CodeAssist.Server.Cli;

/// <summary>Options several commands share, spelled the same everywhere.</summary>
internal static class CommonOptions
{
    public static Option<string?> Model() => new("--model") { Description = "GenAI model folder (default: the installed default model)" };

    public static Option<string> Device() => new("--device")
    {
        Description = "Execution provider: auto tries CUDA and falls back to the CPU",
        DefaultValueFactory = _ => "auto",
    };

    public static Argument<FileInfo> File() => new("file") { Description = "The source file" };

    public static Option<int> Line() => new("--line") { Description = "1-based line, as compilers print it", Required = true };

    public static Option<int> Column() => new("--column") { Description = "1-based column (UTF-16 characters), as compilers print it", Required = true };

}
