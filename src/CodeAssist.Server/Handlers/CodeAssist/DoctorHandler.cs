using System.Text.Json;
using CodeAssist.Server.Diagnostics;
using CodeAssist.Server.Protocol;

namespace CodeAssist.Server.Handlers.CodeAssist;

internal sealed class DoctorHandler(ServerState state) : IConcurrentRequestHandler<JsonElement?, string?, DoctorResult>
{
    public string? Snapshot(JsonElement? parameters) => state.Engine.Settings.ModelPath;

    public async Task<DoctorResult> HandleAsync(string? modelPath, CancellationToken cancellationToken)
    {
        var models = state.Engine.Models;
        var model = await models.WhenLoadedAsync(cancellationToken).ConfigureAwait(false);
        var report = DoctorReport.Collect(model as Inference.LanguageModel, modelPath, models.LoadError, cancellationToken, state.Engine.Trusted);
        return new DoctorResult(report.ToText());
    }
}
