using CodeAssist.Engine;
using CodeAssist.Engine.Hosting;
using CodeAssist.Engine.Models;
using Nerdbank.Streams;

namespace CodeAssist.Server.Tests;

/// <summary>
/// The in-process tier, as Roslyn's LSP tests do it: the real <see cref="LanguageServerHost"/> (handlers, dispatch
/// table, framing) over an in-memory full-duplex stream, spoken to by the same <see cref="LspTestClient"/> as the
/// process-level tests. Handler tests run here; what only a process can show (stdio, exit codes, the air gap, crashes)
/// stays in the process-level tests that start `codeassist serve`.
/// </summary>
internal static class InProcessServer
{
    /// <summary>
    /// A server as `codeassist serve --model MODEL` makes it; its log is what it sends as window/logMessage.
    /// <paramref name="heldGenerations"/>: its first N generations stop after their first piece until cancelled
    /// (<see cref="HeldGenerations"/>), for tests that cancel a generation that must still be running; <paramref name="held"/>
    /// picks the held generations otherwise (by their prompt).
    /// <paramref name="engineHeldUntil"/>: the engine, which the server builds once `initialize` is answered, is built
    /// only once this task has completed, so a test can send messages that come before the engine exists.
    /// </summary>
    public static LspTestClient Serve(
        string? modelPath, AssistSettings? settings = null, int heldGenerations = 0, Task? engineHeldUntil = null, HeldGenerations? held = null)
    {
        var (clientSide, serverSide) = FullDuplexStream.CreatePair();
        var log = new ServerLog(LogLevel.Info);
        settings = (settings ?? new AssistSettings()) with { ModelPath = modelPath is null ? null : Path.GetFullPath(modelPath) };
        var options = new EngineOptions { HeldGenerations = held ?? (heldGenerations > 0 ? new HeldGenerations(heldGenerations) : null) };
        var host = engineHeldUntil is null
            ? new LanguageServerHost(serverSide, serverSide, log, settings, options)
            : new LanguageServerHost(serverSide, serverSide, log, settings, s =>
            {
                engineHeldUntil.Wait();
                return new EngineHost(s, log, options);
            });
        var running = Task.Run(host.RunAsync);
        LspTestClient? client = null;
        client = LspTestClient.Connect(clientSide, clientSide,
            log: () => string.Join('\n', client!.Notifications("window/logMessage").Select(n => (string?)n["params"]?["message"])),
            exited: timeout => running.WaitAsync(timeout),
            disposeServer: async () =>
            {
                await serverSide.DisposeAsync();
                try
                {
                    await running.WaitAsync(TimeSpan.FromSeconds(10));
                }
                catch (TimeoutException)
                {
                    // Disposing the host below ends what is left.
                }
                host.Dispose();
            });
        return client;
    }
}
