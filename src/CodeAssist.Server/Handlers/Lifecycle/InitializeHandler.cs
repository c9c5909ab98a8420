using CodeAssist.Engine.Hosting;
using CodeAssist.Server.Protocol;

namespace CodeAssist.Server.Handlers.Lifecycle;

internal sealed class InitializeHandler(ServerState state) : ISerialRequestHandler<InitializeParams, InitializeResult>
{
    public InitializeResult Handle(InitializeParams parameters)
    {
        var folders = parameters.WorkspaceFolders?.Where(f => f.Uri.IsFile).Select(f => f.Uri.LocalPath).ToList()
            ?? (parameters.RootUri is { IsFile: true } root ? [root.LocalPath] : parameters.RootPath is { Length: > 0 } path ? [path] : []);
        state.EnsureNotInitialized();
        var untrusted = SettingsReader.AsksUntrusted(parameters.InitializationOptions);
        var settings = SettingsReader.Apply(state.StartSettings, parameters.InitializationOptions, state.Log.Warn);
        state.Files.UseClientCapabilities(parameters.Capabilities);
        state.MarkInitialized(folders, settings, untrusted);
        state.Log.Info($"initialize from {parameters.ClientInfo?.Name ?? "an unnamed client"}; workspace {(folders.Count > 0 ? folders[0] : "(none)")}");
        // Nothing heavy here: the client waits for this answer before it sends anything else. The engine is built once
        // the answer is written (ServerState.MarkInitialized); the model, the workspace and the solution start loading
        // on `initialized` (ServerState.StartBackgroundWork).
        StartupTimeline.Mark(StartupTimeline.InitializeHandled);

        return new InitializeResult(
            new ServerCapabilities
            {
                TextDocumentSync = new TextDocumentSyncOptions(OpenClose: true, Change: TextDocumentSyncKind.Incremental),
                InlineCompletionProvider = new InlineCompletionOptions(),
                CompletionProvider = new CompletionOptions(ResolveProvider: false),
                CodeActionProvider = new CodeActionOptions(["refactor.rewrite", "refactor.extract", "source"], ResolveProvider: true),
                ExecuteCommandProvider = new ExecuteCommandOptions(CodeAssistCommands.All),
            },
            new ServerInfo("codeassist", ServerVersion.Current));
    }
}
