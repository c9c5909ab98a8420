using CodeAssist.Server.Protocol;
using StreamJsonRpc;

namespace CodeAssist.Server.Handlers.Lifecycle;

internal sealed class InitializeHandler(ServerState state)
{
    [JsonRpcMethod("initialize", UseSingleObjectParameterDeserialization = true)]
    public InitializeResult Initialize(InitializeParams? parameters)
    {
        parameters = RequestErrors.Required(parameters);
        if (state.Initialized)
            throw new LocalRpcException("initialize was already received") { ErrorCode = LspErrorCodes.InvalidRequest };

        var folders = parameters.WorkspaceFolders?.Where(f => f.Uri.IsFile).Select(f => f.Uri.LocalPath).ToList()
            ?? (parameters.RootUri is { IsFile: true } root ? [root.LocalPath] : parameters.RootPath is { Length: > 0 } path ? [path] : []);
        state.WorkspaceFolders = folders;
        state.WorkspaceRoot = folders.FirstOrDefault();
        if (SettingsReader.AsksUntrusted(parameters.InitializationOptions))
            state.Distrust();
        state.ApplySettings(SettingsReader.Apply(state.Settings, parameters.InitializationOptions, state.Log.Warn));
        state.Initialized = true;
        state.Log.Info($"initialize from {parameters.ClientInfo?.Name ?? "an unnamed client"}; workspace {state.WorkspaceRoot ?? "(none)"}");
        // The model loads while the client finishes its own start-up.
        state.LoadModel();

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
