using System.CommandLine;
using System.Text.Json;
using CodeAssist.Inference;
using CodeAssist.Inference.Devices;
using CodeAssist.Inference.Models;
using CodeAssist.Inference.Remote;
using CodeAssist.Server.Diagnostics;

namespace CodeAssist.Server.Cli;

/// <summary>`codeassist doctor`: versions, devices (and why CUDA is not used), the model check and a timed generation.</summary>
internal static class DoctorCommand
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static Command Create()
    {
        var model = CommonOptions.Model();
        var device = CommonOptions.Device();
        var json = new Option<bool>("--json") { Description = "Print the report as JSON" };
        var backend = CommonOptions.Backend();
        var backendModel = new Option<string?>("--backend-model") { Description = "The model to ask the team server for (default: the one it serves)" };
        var command = new Command("doctor", "Check the installation, the model and the device, and time a generation; with --backend, check a team inference server") { model, device, backend, backendModel, json };
        command.SetAction(async (parse, cancellationToken) =>
        {
            TeamServerSettings? teamServer;
            try
            {
                teamServer = CommonOptions.ParseBackend(parse.GetValue(backend), parse.GetValue(backendModel));
            }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine($"codeassist: {e.Message}");
                return 2;
            }
            if (teamServer is not null)
                return await CheckTeamServerAsync(teamServer, parse.GetValue(json), cancellationToken).ConfigureAwait(false);
            var path = ServeCommand.FullPathOrNull(parse.GetValue(model));
            LanguageModel? loaded = null;
            string? error = null;
            try
            {
                path ??= Engine.Models.ModelCatalog.ResolveDefault();
                // A folder that names its team's server is checked there, as serving it would.
                if (ModelFolder.DeclaredBackend(path) is { } declared)
                    return await CheckTeamServerAsync(declared, parse.GetValue(json), cancellationToken).ConfigureAwait(false);
                // The only thing loading logs is why CUDA is not used, which the report's CUDA line says: not twice.
                loaded = LanguageModel.Load(path, DeviceSelection.ParsePreference(parse.GetValue(device)), _ => { });
            }
            catch (Exception e) when (e is ModelFolderException or FileNotFoundException or InvalidOperationException or ArgumentException)
            {
                error = e.Message;
            }
            using (loaded)
            {
                var report = DoctorReport.Collect(loaded, path, error, cancellationToken);
                if (parse.GetValue(json))
                {
                    Console.Out.WriteLine(JsonSerializer.Serialize(new
                    {
                        healthy = report.Healthy,
                        checks = report.Lines.ToDictionary(l => l.Name, l => l.Value),
                    }, Indented));
                }
                else
                {
                    Console.Out.Write(report.ToText());
                }
                return report.Healthy ? 0 : 1;
            }
        });
        return command;
    }

    private static async Task<int> CheckTeamServerAsync(TeamServerSettings settings, bool json, CancellationToken cancellationToken)
    {
        (IReadOnlyList<(string Name, string Value)> Lines, bool Healthy) result;
        try
        {
            result = await TeamServerDoctor.RunAsync(settings, null, cancellationToken).ConfigureAwait(false);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"codeassist: {e.Message}");
            return 2;
        }
        var report = new DoctorReport(result.Lines, result.Healthy);
        if (json)
            Console.Out.WriteLine(JsonSerializer.Serialize(new { healthy = report.Healthy, checks = report.Lines.ToDictionary(l => l.Name, l => l.Value) }, Indented));
        else
            Console.Out.Write(report.ToText());
        return report.Healthy ? 0 : 1;
    }
}
