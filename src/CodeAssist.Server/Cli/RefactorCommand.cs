using System.CommandLine;
using System.Diagnostics;
using CodeAssist.Engine;
using CodeAssist.Engine.Refactoring;

namespace CodeAssist.Server.Cli;

/// <summary>
/// `codeassist refactor FILE --line L --column C --action KIND`: the editor's AI refactorings on the command line. The
/// validated edit is printed as a unified diff and written only with --apply; a refused edit exits with 1 and the reason.
/// </summary>
internal static class RefactorCommand
{
    public static Command Create()
    {
        var file = CommonOptions.File();
        var line = CommonOptions.Line();
        var column = CommonOptions.Column();
        var endLine = new Option<int?>("--end-line")
        {
            Description = "1-based line where the selection ends (default: no selection, the member at the cursor)",
        };
        var endColumn = new Option<int?>("--end-column") { Description = "1-based column just after the selection's last character" };
        var action = new Option<string>("--action") { Description = "The refactoring", Required = true };
        action.AcceptOnlyFromAmong([.. RefactoringKinds.All.Select(RefactoringKinds.Name)]);
        var instruction = new Option<string?>("--instruction") { Description = "For --action rewrite: how to rewrite the code" };
        var apply = new Option<bool>("--apply") { Description = "Write the changed and new files (default: only print the diff)" };
        var root = new Option<DirectoryInfo?>("--root")
        {
            Description = "Workspace folder: the projects under it are loaded (so tests can go to the test project) and edits stay inside it " +
                          "(default: the folder of the project holding the file)",
        };
        var model = CommonOptions.Model();
        var device = CommonOptions.Device();
        var backend = CommonOptions.Backend();
        var command = new Command("refactor", "Run an AI refactoring on a file and print the compiler-checked edit as a unified diff")
        {
            file, line, column, endLine, endColumn, action, instruction, apply, root, model, device, backend,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            try
            {
                var kind = RefactoringKinds.Parse(parse.GetValue(action)!);
                if (kind == RefactoringKind.Rewrite && string.IsNullOrWhiteSpace(parse.GetValue(instruction)))
                    throw new ArgumentException("--action rewrite needs --instruction TEXT");
                if (parse.GetValue(endLine).HasValue != parse.GetValue(endColumn).HasValue)
                    throw new ArgumentException("--end-line and --end-column go together");
                var folder = parse.GetValue(root);
                if (folder is { Exists: false })
                    throw new ArgumentException($"--root {folder.FullName} does not exist");
                var settings = new AssistSettings { Backend = CommonOptions.ParseBackend(parse.GetValue(backend)) };
                using var session = await OpenAsync(parse.GetValue(file)!, folder, parse.GetValue(model), parse.GetValue(device)!, settings, cancellationToken)
                    .ConfigureAwait(false);
                var start = session.OffsetOf(parse.GetValue(line), parse.GetValue(column));
                var stop = parse.GetValue(endLine) is { } end ? session.OffsetOf(end, parse.GetValue(endColumn)!.Value) : start;
                if (stop < start)
                    throw new ArgumentException("the selection ends before it starts");
                if (await session.Engine.Models.WhenLoadedAsync(cancellationToken).ConfigureAwait(false) is not { } loaded)
                {
                    Console.Error.WriteLine($"codeassist: {session.Engine.Models.LoadError}");
                    return 2;
                }

                var workspaceRoot = session.Engine.WorkspaceRoot!;
                var clock = Stopwatch.StartNew();
                var result = await session.Engine.Refactorings.RunAsync(
                    new RefactoringRequest(kind, session.Document, start, stop) { Instruction = parse.GetValue(instruction) },
                    new WorkspaceBoundary([workspaceRoot]), null, cancellationToken).ConfigureAwait(false);
                var title = RefactoringKinds.Title(kind).TrimEnd('…');
                if (result.Refusal is { } refusal)
                {
                    Console.Error.WriteLine($"codeassist: {title} refused after {clock.ElapsedMilliseconds} ms ({result.Timings}): {refusal}");
                    return 1;
                }
                Console.Error.WriteLine($"codeassist: {title} with {loaded.Name} on {loaded.Backend} in {clock.ElapsedMilliseconds} ms ({result.Timings}); " +
                    "the compiler found no new errors");
                foreach (var change in result.Changes)
                {
                    var relative = Path.GetRelativePath(workspaceRoot, change.FilePath).Replace('\\', '/');
                    Console.Out.Write(UnifiedDiff.Format(change.IsNew ? null : relative, relative, change.OldText.ToString(), change.NewText.ToString()));
                }
                if (parse.GetValue(apply))
                {
                    foreach (var change in result.Changes)
                    {
                        Directory.CreateDirectory(Path.GetDirectoryName(change.FilePath)!);
                        await File.WriteAllTextAsync(change.FilePath, change.NewText.ToString(), cancellationToken).ConfigureAwait(false);
                        Console.Error.WriteLine($"codeassist: wrote {change.FilePath}");
                    }
                }
                return 0;
            }
            catch (Exception e) when (e is ArgumentException or BadRequestException or FileNotFoundException)
            {
                Console.Error.WriteLine($"codeassist: {e.Message}");
                return 2;
            }
        });
        return command;
    }

    /// <summary>
    /// The file as an editor session would have it: with --root, every project under that folder is loaded and the
    /// folder is the workspace; without it, the project holding the file (FileSession's default).
    /// </summary>
    private static async Task<FileSession> OpenAsync(
        FileInfo file, DirectoryInfo? root, string? model, string device, AssistSettings settings, CancellationToken cancellationToken)
    {
        if (root is null)
            return await FileSession.OpenAsync(file, model, device, settings, cancellationToken).ConfigureAwait(false);
        if (!WorkspaceBoundary.IsInside(root.FullName, file.FullName))
            throw new ArgumentException($"{file.FullName} is not under --root {root.FullName}");
        var session = await FileSession.OpenAsync(file, model, device, settings, cancellationToken, loadProject: false).ConfigureAwait(false);
        session.Engine.UseWorkspace([root.FullName]);
        await session.Engine.LoadProjectsAsync(session.Engine.FindProjectSystem(), null, cancellationToken).ConfigureAwait(false);
        return session;
    }
}
