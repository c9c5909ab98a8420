using System.Text.Json;

namespace CodeAssist.Training;

/// <summary>Where every generated artifact lives: all under one git-ignored working folder.</summary>
internal sealed class TrainingPaths(string workDirectory)
{
    public string Root { get; } = Path.GetFullPath(workDirectory);
    public string Manifest => Path.Combine(Root, "manifest.json");
    public string FilesRoot => Path.Combine(Root, "files");
    public string TokenizerDirectory => Path.Combine(Root, "tokenizer");
    public string TrainTokens => Path.Combine(Root, "train.tokens");
    public string ValidationTokens => Path.Combine(Root, "validation.tokens");
    public string CheckpointDirectory => Path.Combine(Root, "checkpoint");
    public string LossLog => Path.Combine(Root, "loss.tsv");
    public string EvalSet => Path.Combine(Root, "evalset", "fim-test.jsonl");
    public string EvalFiles => Path.Combine(Root, "evalset", "files");
    public string Instructions => Path.Combine(Root, "instructions.jsonl");

    public string CorpusFile(CorpusFile file) => Path.Combine(FilesRoot, file.Split, file.Path);
}

internal static class Json
{
    public static JsonSerializerOptions Options { get; } = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static JsonSerializerOptions Lines { get; } = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };
}

/// <summary>Progress goes to stderr with a timestamp, so a nohup log shows when each step ran.</summary>
internal static class Log
{
    public static void Write(string message) => Console.Error.WriteLine($"{DateTime.UtcNow:HH:mm:ss} {message}");
}
