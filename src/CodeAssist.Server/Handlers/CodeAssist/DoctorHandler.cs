using System.Text.Json;
using CodeAssist.Server.Cli;
using CodeAssist.Server.Protocol;
using StreamJsonRpc;

namespace CodeAssist.Server.Handlers.CodeAssist;

internal sealed class DoctorHandler(ServerState state)
{
    [JsonRpcMethod(CodeAssistMethods.Doctor)]
    public async Task<DoctorResult> DoctorAsync(JsonElement? ignored = null, CancellationToken cancellationToken = default)
    {
        state.EnsureInitialized();
        var model = await state.Models.WhenLoadedAsync(cancellationToken).ConfigureAwait(false);
        var report = await Task.Run(() => DoctorReport.Collect(model as Inference.LanguageModel, state.Settings.ModelPath, state.Models.LoadError, cancellationToken), cancellationToken).ConfigureAwait(false);
        return new DoctorResult(report.ToText());
    }
}
