using CodeAssist.Engine.Hosting;
using CodeAssist.Server.Protocol;

namespace CodeAssist.Server.Handlers.Lifecycle;

internal sealed class InitializeHandler(ServerState state) : ISerialRequestHandler<InitializeParams, InitializeResult>
{
    public InitializeResult Handle(InitializeParams parameters)
    {
        var folders = parameters.WorkspaceFolders?.Where(f => f.Uri.IsFile).Select(f => f.Uri.LocalPath).ToList()
            ?? (parameters.RootUri is { IsFile: true } root ? [root.LocalPath] : parameters.RootPath is { Length: > 0 } path ? [path] : []);
        state.MarkInitialized(folders);
        state.Files.UseClientCapabilities(parameters.Capabilities);
        var engine = state.Engine;
        if (SettingsReader.AsksUntrusted(parameters.InitializationOptions))
            engine.Distrust();
        engine.ApplySettings(SettingsReader.Apply(engine.Settings, parameters.InitializationOptions, state.Log.Warn));
        state.Log.Info($"initialize from {parameters.ClientInfo?.Name ?? "an unnamed client"}; workspace {engine.WorkspaceRoot ?? "(none)"}");
        // Nothing heavy here: the client waits for this answer before it opens a document. The model, the workspace
        // and the solution start loading on `initialized` (ServerState.StartBackgroundWork).
        StartupTimeline.Mark(StartupTimeline.InitializeHandled);

        return new InitializeResult(
            new ServerCapabilities
            {
                TextDocumentSync = new TextDocumentSyncOptions(OpenClose: true, Change: TextDocumentSyncKind.Incremental),
                InlineCompletionProvider = new { },
                CompletionProvider = new CompletionOptions(ResolveProvider: false),
                CodeActionProvider = new CodeActionOptions(["refactor.rewrite", "refactor.extract", "source"], ResolveProvider: true),
                ExecuteCommandProvider = new ExecuteCommandOptions(CodeAssistCommands.All),
            },
            new ServerInfo("codeassist", ServerVersion.Current));
    }
}
