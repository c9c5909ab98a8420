using System.Text.Json;

namespace CodeAssist.Training;

/// <summary>One FIM evaluation example: the held-out file split around the middle to complete.</summary>
internal sealed record FimExample(string File, string Prefix, string Suffix, string Middle);

/// <summary>
/// Writes the FIM evaluation set from the test split: examples where an editor would ask for a completion (the
/// rest of a line, or a line and a few more, starting inside the line's code), the held-out files themselves
/// under files/ so an evaluation can put them on disk for the Roslyn workspace, and fim-test.jsonl.
/// </summary>
internal static class EvalSetWriter
{
    private const int Seed = 20240612;
    private const int MaxMiddleCharacters = 240;

    public static void Write(TrainingPaths paths, int count)
    {
        var manifest = CorpusManifest.Read(paths.Manifest);
        var files = manifest.Files.Where(f => f.Split == "test").ToList();
        var texts = files.Select(f => File.ReadAllText(paths.CorpusFile(f))).ToList();
        if (Directory.Exists(paths.EvalFiles))
            Directory.Delete(paths.EvalFiles, recursive: true);
        for (var i = 0; i < files.Count; i++)
        {
            var target = Path.Combine(paths.EvalFiles, files[i].Path);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.WriteAllText(target, texts[i]);
        }

        WriteHeldOutProject(paths.EvalFiles);

        var random = new Random(Seed);
        var examples = new List<FimExample>();
        var seen = new HashSet<(int, int)>();
        while (examples.Count < count)
        {
            // Files round-robin in a shuffled order, so no single large file dominates the set.
            var index = examples.Count % files.Count == 0 && examples.Count > 0 ? random.Next(files.Count) : random.Next(files.Count);
            var text = texts[index];
            var (lineStart, lineEnd) = FimSpans.RandomCodeLine(text, random);
            var start = lineStart + random.Next(0, Math.Max(1, (lineEnd - lineStart) * 2 / 3));
            var end = lineEnd;
            if (random.NextDouble() < 0.3)
            {
                for (var extra = random.Next(1, 3); extra > 0 && end < text.Length; extra--)
                {
                    var next = text.IndexOf('\n', end + 1);
                    end = next < 0 ? text.Length : next;
                }
            }
            var middle = text[start..end];
            if (middle.Trim().Length < 2 || middle.Length > MaxMiddleCharacters || !seen.Add((index, start)))
                continue;
            examples.Add(new FimExample(files[index].Path, text[..start], text[end..], middle));
        }
        Directory.CreateDirectory(Path.GetDirectoryName(paths.EvalSet)!);
        File.WriteAllLines(paths.EvalSet, examples.Select(e => JsonSerializer.Serialize(e, Json.Lines)));
        Log.Write($"evalset: {examples.Count} examples from {files.Count} held-out files in {paths.EvalSet}");
    }

    /// <summary>
    /// A project over the held-out files, so `codeassist-bench eval --refactorings evalset/files` runs the refactorings on
    /// methods no training sample came from (the instruction data is made from the train split only). An empty
    /// Directory.Build.props keeps the repository's build settings (warnings as errors) out of it.
    /// </summary>
    private static void WriteHeldOutProject(string directory)
    {
        File.WriteAllText(Path.Combine(directory, "Directory.Build.props"), "<Project />\n");
        File.WriteAllText(Path.Combine(directory, "HeldOut.csproj"), """
            <Project Sdk="Microsoft.NET.Sdk">
              <!-- The held-out split of CodeAssist-Tiny's corpus, for the refactoring evaluation of codeassist-bench; written by codeassist-train evalset. -->
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>disable</ImplicitUsings>
                <AllowUnsafeBlocks>true</AllowUnsafeBlocks>
                <LangVersion>preview</LangVersion>
              </PropertyGroup>
            </Project>

            """);
    }

    public static List<FimExample> Read(string path) =>
        [.. File.ReadLines(path).Where(l => l.Length > 0).Select(l => JsonSerializer.Deserialize<FimExample>(l, Json.Lines)!)];
}
