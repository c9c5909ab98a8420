using System.Text.Json;
using CodeAssist.Engine.Workspace;
using CodeAssist.Server.Protocol;

namespace CodeAssist.Server.Workspace;

/// <summary>
/// Keeps the engine's workspace in step with the disk: a `git checkout`, a generated file or an edit made outside the
/// editor. A client that can watch files (LSP's dynamic registration of workspace/didChangeWatchedFiles: VS Code,
/// Neovim 0.10+ where its watcher is on) is asked to watch <see cref="WatchedFiles.Globs"/> and sends the changes;
/// for any other client (Neovim 0.7–0.9, editors without watchers) the server watches the workspace folders itself.
/// Either way, changes arrive here in batches: sources go to the engine at once, and a change to the project system
/// reloads the projects, one reload at a time however many batches a branch switch sends.
/// </summary>
public sealed class FileWatching(ServerState state) : IDisposable
{
    /// <summary>The id of our one registration, so that a client can match an unregistration to it.</summary>
    public const string RegistrationId = "codeassist-watched-files";

    /// <summary>How long the server's own watcher waits after the last event before it hands the batch on.</summary>
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(200);

    private readonly Lock _gate = new();
    private readonly List<System.IO.FileSystemWatcher> _watchers = [];
    private readonly HashSet<string> _pending = new(StringComparer.Ordinal);
    private Timer? _flush;
    private bool _disposed;

    /// <summary>What watches the files: "client" once the client agreed to, "server" for our own watchers, "none".</summary>
    public string Watcher { get; private set; } = "none";

    /// <summary>Whether the client said, in `initialize`, that it can watch files for us.</summary>
    public bool ClientCanWatch { get; private set; }

    /// <summary>Reads the client's capabilities from `initialize`.</summary>
    public void UseClientCapabilities(JsonElement? capabilities) => ClientCanWatch = CanWatch(capabilities);

    private static bool CanWatch(JsonElement? capabilities)
    {
        try
        {
            return capabilities is { ValueKind: JsonValueKind.Object } c
                && c.TryGetProperty("workspace", out var workspace) && workspace.ValueKind == JsonValueKind.Object
                && workspace.TryGetProperty("didChangeWatchedFiles", out var watched) && watched.ValueKind == JsonValueKind.Object
                && watched.TryGetProperty("dynamicRegistration", out var dynamic) && dynamic.ValueKind == JsonValueKind.True;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>Starts watching (after `initialized`): through the client when it can, else with the server's own watchers.</summary>
    public async Task StartAsync()
    {
        // An untrusted workspace serves loose files only: what changes on disk under it is never read.
        if (state.Engine.WorkspaceFolders.Count == 0 || !state.Engine.Trusted)
            return;
        if (ClientCanWatch && state.Client is { IsDisposed: false } client)
        {
            try
            {
                var watchers = WatchedFiles.Globs.Select(glob => new Protocol.FileSystemWatcher(glob)).ToArray();
                var registration = new Registration(
                    RegistrationId, "workspace/didChangeWatchedFiles", new DidChangeWatchedFilesRegistrationOptions(watchers));
                await client.InvokeWithParameterObjectAsync<object?>("client/registerCapability", new RegistrationParams([registration]))
                    .ConfigureAwait(false);
                Watcher = "client";
                state.Log.Info($"file watching: the client watches {string.Join(", ", WatchedFiles.Globs)}");
                return;
            }
            catch (Exception e) when (e is StreamJsonRpc.RemoteInvocationException or StreamJsonRpc.ConnectionLostException or ObjectDisposedException)
            {
                state.Log.Warn($"file watching: the client refused to watch files ({e.Message}); the server watches the workspace folders itself");
            }
        }
        WatchFolders(state.Engine.WorkspaceFolders);
    }

    /// <summary>A batch of changed files (from the client's notification or our own watchers).</summary>
    public void OnChanged(IReadOnlyCollection<string> paths)
    {
        if (paths.Count == 0)
            return;
        var outcome = state.Engine.OnFilesChangedOnDisk(paths);
        if (outcome.ProjectSystemChanged)
            state.RequestWorkspaceLoad();
    }

    private void WatchFolders(IReadOnlyList<string> folders)
    {
        foreach (var folder in folders.Where(Directory.Exists))
        {
            System.IO.FileSystemWatcher? watcher = null;
            try
            {
                watcher = new System.IO.FileSystemWatcher(folder)
                {
                    IncludeSubdirectories = true,
                    NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size,
                };
                watcher.Created += (_, e) => Queue(e.FullPath);
                watcher.Changed += (_, e) => Queue(e.FullPath);
                watcher.Deleted += (_, e) => Queue(e.FullPath);
                watcher.Renamed += (_, e) =>
                {
                    Queue(e.OldFullPath);
                    Queue(e.FullPath);
                };
                watcher.Error += (_, e) => OnWatcherError(folder, e.GetException());
                watcher.EnableRaisingEvents = true;
                lock (_gate)
                {
                    if (_disposed)
                    {
                        watcher.Dispose();
                        return;
                    }
                    _watchers.Add(watcher);
                }
                Watcher = "server";
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or PlatformNotSupportedException or ArgumentException)
            {
                // Typically the system's inotify limits (fs.inotify.max_user_instances / max_user_watches).
                watcher?.Dispose();
                state.Log.Warn($"file watching: {folder} cannot be watched ({e.Message}); " +
                    "changes made outside the editor reach completions after the server restarts");
                continue;
            }
        }
        if (Watcher == "server")
            state.Log.Info($"file watching: the client does not watch files; the server watches {string.Join(", ", folders)}");
    }

    private void Queue(string path)
    {
        if (!WatchedFiles.IsWatched(path, state.Engine.WorkspaceFolders))
            return;
        lock (_gate)
        {
            if (_disposed)
                return;
            _pending.Add(path);
            // A checkout writes thousands of files over a second or two: wait until it is quiet, then hand on one batch.
            _flush ??= new Timer(_ => Flush());
            _flush.Change(Quiet, Timeout.InfiniteTimeSpan);
        }
    }

    private void Flush()
    {
        string[] batch;
        lock (_gate)
        {
            batch = [.. _pending];
            _pending.Clear();
        }
        try
        {
            OnChanged(batch);
        }
        catch (Exception e)
        {
            // A timer callback that throws ends the process; a batch that fails is logged and the next one retried.
            state.Log.Error($"file watching: {batch.Length} change(s) could not be applied: {e.GetType().Name}: {e.Message}");
        }
    }

    /// <summary>The watcher lost events (its buffer overflowed during a large checkout): everything may have changed, so everything reloads.</summary>
    private void OnWatcherError(string folder, Exception error)
    {
        state.Log.Warn($"file watching: events under {folder} were lost ({error.Message}); the projects reload");
        state.RequestWorkspaceLoad();
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _flush?.Dispose();
            foreach (var watcher in _watchers)
                watcher.Dispose();
            _watchers.Clear();
        }
    }
}
