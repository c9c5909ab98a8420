using System.CommandLine;
using CodeAssist.Engine;
using CodeAssist.Engine.Hosting;
using CodeAssist.Engine.Models;

namespace CodeAssist.Server.Cli;

/// <summary>`codeassist serve`: LSP over stdio, what editors launch.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var device = CommonOptions.Device();
        var logLevel = new Option<string>("--log-level") { Description = "trace, debug, info, warn or error", DefaultValueFactory = _ => "info" };
        var backend = CommonOptions.Backend();
        var untrusted = new Option<bool>("--untrusted")
        {
            Description = "The workspace is not trusted: evaluate no project or solution (loose-file context only) " +
                          "and load only models from the models directory",
        };
        var command = new Command("serve", "Serve LSP over stdin/stdout (what editors launch)") { model, device, backend, logLevel, untrusted };
        command.SetAction(async (parse, cancellationToken) =>
        {
            StartupTimeline.Mark(StartupTimeline.ServeEntered);
            // Stdout is the protocol's alone: anything else that writes to Console.Out goes to stderr.
            var stdout = Console.OpenStandardOutput();
            var stdin = Console.OpenStandardInput();
            Console.SetOut(Console.Error);
            var log = new ServerLog(ServerLog.Parse(parse.GetValue(logLevel)));
            ReportUnexpectedExceptions(log);
            Inference.Remote.TeamServerSettings? teamServer;
            try
            {
                teamServer = CommonOptions.ParseBackend(parse.GetValue(backend));
            }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine($"codeassist: {e.Message}");
                return 2;
            }
            var settings = new AssistSettings
            {
                ModelPath = FullPathOrNull(parse.GetValue(model)), Device = parse.GetValue(device) ?? "auto", Backend = teamServer,
            };
            var host = new LanguageServerHost(stdin, stdout, log, settings, new EngineOptions
            {
                Trusted = !parse.GetValue(untrusted),
                ProjectCacheFolder = Engine.Workspace.ProjectSystemCache.DefaultFolder(),
                HeldGenerations = HeldGenerations.FromEnvironment(),
            });
            StartupTimeline.Mark(StartupTimeline.ServerBuilt);
            log.Info($"codeassist {ServerVersion.Current} serving LSP on stdio (pid {Environment.ProcessId})");
            var code = await host.RunAsync().ConfigureAwait(false);
            // Tasks that failed without anyone looking are reported when the collector finds them; collect once
            // before leaving so that none goes unreported.
            GC.Collect();
            GC.WaitForPendingFinalizers();
            // Unloading the model frees native memory; a blocked stdin read must not keep the process alive, so the
            // exit does not wait for more than a moment.
            if (!Task.Run(host.Dispose, CancellationToken.None).Wait(TimeSpan.FromMilliseconds(500), CancellationToken.None))
                log.Warn("shutting down took too long; exiting anyway");
            // exit(3) would run ONNX Runtime's static destructors, which crash (SIGSEGV, exit code 139) while a model is
            // still loading or unloading on another thread: what a client that exits right after initialize met on a
            // busy machine. _exit(2) ends the process with the code and nothing more; the protocol's last bytes and the
            // log are written by now (stderr is unbuffered).
            if (!OperatingSystem.IsWindows())
                ExitNow(code);
            Environment.Exit(code);
            return code;
        });
        return command;
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "_exit")]
    private static extern void ExitNow(int status);

    /// <summary>
    /// A task that faulted with nobody awaiting it is a bug that would otherwise vanish; a crash should at least say
    /// why in the log before the runtime ends the process.
    /// </summary>
    private static void ReportUnexpectedExceptions(ServerLog log)
    {
        TaskScheduler.UnobservedTaskException += (_, e) =>
        {
            e.SetObserved();
            foreach (var exception in e.Exception.Flatten().InnerExceptions)
                log.Error($"unobserved task exception: {exception}");
        };
        AppDomain.CurrentDomain.UnhandledException += (_, e) => log.Error($"unhandled exception, the server stops: {e.ExceptionObject}");
    }

    public static string? FullPathOrNull(string? path) => path is null ? null : Path.GetFullPath(path);
}
