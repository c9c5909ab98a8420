using System.CommandLine;
using CodeAssist.Engine.Models;
using CodeAssist.Inference.Models;

namespace CodeAssist.Server.Cli;

/// <summary>
/// `codeassist model list|verify|add`: models live in the models directory; `add` copies a folder brought
/// over by hand (air-gapped machines) and verifies it. Nothing ever downloads by itself. Test models are written by
/// the development tool (`codeassist-bench model create`), not by the shipped command.
/// </summary>
internal static class ModelCommand
{
    public static Command Create() => new("model", "Manage local models (nothing is ever downloaded)")
    {
        List(), Verify(), Add(),
    };

    private static Command List()
    {
        var command = new Command("list", "List installed models");
        command.SetAction(_ =>
        {
            var installed = ModelCatalog.Installed();
            Console.Out.WriteLine($"models directory: {ModelCatalog.ModelsDirectory}");
            if (installed.Count == 0)
                Console.Out.WriteLine("  (none; run ./install.sh or `codeassist model add DIR`)");
            foreach (var folder in installed)
            {
                var problems = ModelFolder.Verify(folder);
                var isDefault = Path.GetFileName(folder) == ModelCatalog.DefaultModelName ? " (default)" : "";
                var teamServer = problems.Count == 0 ? TeamServerOf(folder) : null;
                Console.Out.WriteLine($"  {Path.GetFileName(folder)}{isDefault}  {(problems.Count == 0 ? "ok" : "broken: " + problems[0])}{teamServer}");
            }
            return 0;
        });
        return command;
    }

    private static Command Verify()
    {
        var directory = new Argument<DirectoryInfo>("dir") { Description = "A GenAI model folder" };
        var draft = new Option<DirectoryInfo?>("--draft")
        {
            Description = "A draft model folder to check as a pair with it (same vocabulary, same special tokens), before naming it in codeassist.json",
        };
        var command = new Command("verify", "Check that a folder is a usable GenAI model, and its draft model a compatible one") { directory, draft };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(directory)!.FullName;
            var draftPath = parse.GetValue(draft)?.FullName;
            var problems = ModelFolder.Verify(path).ToList();
            if (draftPath is not null)
            {
                problems.AddRange(ModelFolder.Verify(draftPath).Select(problem => $"the draft model cannot be used: {problem}"));
                if (problems.Count == 0)
                {
                    problems.AddRange(DraftModelPair.Incompatibilities(path, draftPath)
                        .Select(problem => $"the draft model {draftPath} does not fit {path}: {problem}"));
                }
            }
            foreach (var problem in problems)
                Console.Error.WriteLine($"codeassist: {problem}");
            if (problems.Count > 0)
                return 1;
            if (!ModelFolder.HasWeights(path))
            {
                Console.Out.WriteLine($"{path}: ok{TeamServerOf(path)}");
                return 0;
            }
            var folder = ModelFolder.Open(path);
            var format = folder.Format;
            var vocabulary = folder.VocabSize?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?";
            Console.Out.WriteLine($"{path}: ok ({folder.ModelType}, context {folder.ContextLength}, vocabulary {vocabulary}, " +
                $"FIM {format.Fim?.Id ?? "none"}, chat {format.Chat.Id})");
            if (folder.Graph is { } graph)
                Console.Out.WriteLine($"  graph: {graph.Describe()}");
            // Which pre-tokenizer steps token healing cuts by (tokenizer.json's own, all of them in order).
            var healing = folder.Healing.Enabled ? $"at the last word of tokenizer.json's pre-tokenizer ({folder.Healing.Description})" : "off";
            Console.Out.WriteLine($"  token healing: {healing}");
            if (draftPath is not null)
            {
                Console.Out.WriteLine($"draft {draftPath}: compatible (same vocabulary, same special tokens); " +
                    $"name it in {ModelFolder.SettingsFile} as \"speculation\": {{ \"draftModel\": \"{Path.GetRelativePath(path, draftPath)}\" }}");
            }
            else if (folder.Speculation.Mode == SpeculationMode.DraftModel)
            {
                Console.Out.WriteLine($"speculation: {folder.Speculation.Describe()}, draft {folder.Speculation.DraftFolder}: " +
                    "compatible (same vocabulary, same special tokens)");
            }
            else if (folder.Speculation.Mode != SpeculationMode.None)
            {
                Console.Out.WriteLine($"speculation: {folder.Speculation.Describe()}");
            }
            if (folder.SpeculationCaveat is { } caveat)
            {
                Console.Out.WriteLine($"speculation caveat: {caveat}");
            }
            return 0;
        });
        return command;
    }

    private static Command Add()
    {
        var directory = new Argument<DirectoryInfo>("dir") { Description = "A GenAI model folder copied onto this machine" };
        var name = new Option<string?>("--name") { Description = "Name in the models directory (default: the folder's name)" };
        var makeDefault = new Option<bool>("--default") { Description = $"Install it as the default model ({ModelCatalog.DefaultModelName})" };
        var yes = new Option<bool>("--yes")
        {
            Description = "For scripts: install a folder that names a team server without asking (native-code settings are still asked about)",
        };
        var command = new Command(
            "add",
            "Copy a model folder into the models directory and verify it; a folder that names a team server, " +
            "and settings that load native code, are shown and need your confirmation")
        {
            directory, name, makeDefault, yes,
        };
        command.SetAction(parse =>
        {
            var source = parse.GetValue(directory)!;
            var modelsDirectory = ModelCatalog.ModelsDirectory;
            var problems = ModelFolder.Verify(source.FullName, modelsDirectory, checkNativeCode: false);
            if (problems.Count > 0)
            {
                foreach (var problem in problems)
                    Console.Error.WriteLine($"codeassist: {problem}");
                return 1;
            }
            var targetName = parse.GetValue(makeDefault) ? ModelCatalog.DefaultModelName : parse.GetValue(name) ?? source.Name;
            var target = Path.Combine(modelsDirectory, targetName);
            if (Path.GetFullPath(target) == source.FullName)
            {
                Console.Out.WriteLine($"{target} is already installed");
                return 0;
            }
            if (!parse.GetValue(yes) && !ConfirmTeamServer(source.FullName))
                return 1;
            var nativeCode = NativeCodeSettings.Find(source.FullName);
            if (!ConfirmNativeCode(source.FullName, nativeCode))
                return 1;

            var staging = target + ".partial";
            if (Directory.Exists(staging))
                Directory.Delete(staging, recursive: true);
            CopyModelFiles(source.FullName, staging, nativeCode);
            if (Directory.Exists(target))
                Directory.Delete(target, recursive: true);
            Directory.Move(staging, target);
            // The hashes are taken of the installed copies, which are what will load.
            var approvals = nativeCode.Select(setting => new NativeCodeApproval(setting.Setting, setting.Value,
                setting.LibraryPath is { } library
                    ? NativeCodeApprovals.Sha256Of(Path.Combine(target, Path.GetRelativePath(source.FullName, library)))
                    : null)).ToList();
            NativeCodeApprovals.Read(modelsDirectory).Record(modelsDirectory, targetName, approvals);
            foreach (var approval in approvals.Where(a => a.Sha256 is not null))
            {
                Console.Out.WriteLine($"recorded {approval.Setting} = \"{approval.Value}\" with SHA-256 {approval.Sha256} " +
                    $"in {Path.Combine(modelsDirectory, NativeCodeApprovals.ManifestFile)}");
            }
            Console.Out.WriteLine($"installed {targetName} in {target}{TeamServerOf(target)}");
            return 0;
        });
        return command;
    }

    /// <summary>", served by the team server llamacpp at https://gpu01:8080" for a folder whose codeassist.json names one: code is sent there.</summary>
    private static string TeamServerOf(string folder) =>
        ModelFolder.DeclaredBackend(folder) is { } server
            ? $", served by the team server {server.Describe()}{(server.Model is { } model ? $" ({model})" : "")}: completions send your code there" +
              (server.FallbackToLocal ? ", or use the local model while it is away" : "")
            : "";

    /// <summary>
    /// A folder that names a team server sends the code the user edits to that server once it is the model: says where
    /// and asks (on stdin) first. No answer is no; scripts pass <c>--yes</c>.
    /// </summary>
    private static bool ConfirmTeamServer(string source)
    {
        if (ModelFolder.DeclaredBackend(source) is not { } server)
            return true;
        Console.Error.WriteLine($"codeassist: {source} names the team server {server.Describe()}{(server.Model is { } model ? $" ({model})" : "")}: " +
            $"with this model, the code you edit is sent to {server.Url.Host}:{server.Url.Port} for each completion" +
            (server.FallbackToLocal ? " (the local model answers while it is away)" : "") + ".");
        return Ask("Install it and send code there? Only do so if the server belongs to your organisation. [y/N] ");
    }

    /// <summary>Asks a yes/no question on stdin; anything but "y" or "yes" (or no answer at all) is no, and says nothing was changed.</summary>
    private static bool Ask(string question)
    {
        Console.Error.Write(question);
        var answer = Console.In.ReadLine()?.Trim();
        if (answer is not null && (answer.Equals("y", StringComparison.OrdinalIgnoreCase) || answer.Equals("yes", StringComparison.OrdinalIgnoreCase)))
            return true;
        Console.Error.WriteLine();
        Console.Error.WriteLine("codeassist: not installed; nothing was changed");
        return false;
    }

    /// <summary>
    /// Shows each setting that loads native code or writes files and asks the user (on stdin) to allow them. A library
    /// outside the folder is refused outright: only what the folder carries is copied and hashed. No answer is no.
    /// </summary>
    private static bool ConfirmNativeCode(string source, IReadOnlyList<NativeCodeSetting> nativeCode)
    {
        if (nativeCode.Count == 0)
            return true;
        var outside = nativeCode.Where(s => s.LibraryPath is { } library && !NativeCodeSettings.IsInside(source, library)).ToList();
        foreach (var setting in outside)
        {
            Console.Error.WriteLine($"codeassist: {ModelFolder.GenAiConfigFile} in {source} sets {setting.Setting} = \"{setting.Value}\", " +
                $"a native library outside the model folder ({setting.LibraryPath}); refused: a model may only load a library it carries");
        }
        if (outside.Count > 0)
            return false;
        var missing = nativeCode.Where(s => s.LibraryPath is { } library && !File.Exists(library)).ToList();
        foreach (var setting in missing)
        {
            Console.Error.WriteLine(
                $"codeassist: the library {setting.LibraryPath} that {setting.Setting} names is missing in {source}; copy the model folder again");
        }
        if (missing.Count > 0)
            return false;

        Console.Error.WriteLine($"codeassist: {ModelFolder.GenAiConfigFile} in {source} has settings that run native code or write files:");
        foreach (var setting in nativeCode)
        {
            Console.Error.WriteLine($"  {setting.Setting} = \"{setting.Value}\": {setting.Consequence}"
                + (setting.LibraryPath is { } library ? $" (SHA-256 {NativeCodeApprovals.Sha256Of(library)})" : ""));
        }
        return Ask("Install the model and allow these settings? Only do so if you trust where the model came from. [y/N] ");
    }

    /// <summary>
    /// GenAI model folders are flat: the files are the model. Subfolders (a training run's corpus and checkpoints, a
    /// conversion's cache) stay behind, except for the libraries the user just allowed, which keep their place.
    /// </summary>
    private static void CopyModelFiles(string source, string target, IReadOnlyList<NativeCodeSetting> nativeCode)
    {
        Directory.CreateDirectory(target);
        foreach (var file in Directory.EnumerateFiles(source))
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        foreach (var library in nativeCode.Select(s => s.LibraryPath).OfType<string>())
        {
            var copy = Path.Combine(target, Path.GetRelativePath(source, library));
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.Copy(library, copy, overwrite: true);
        }
    }
}
