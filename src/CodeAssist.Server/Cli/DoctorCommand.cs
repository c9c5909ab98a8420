using System.CommandLine;
using System.Text.Json;
using CodeAssist.Inference;
using CodeAssist.Inference.Devices;
using CodeAssist.Inference.Models;

namespace CodeAssist.Server.Cli;

/// <summary>`codeassist doctor`: versions, devices (and why CUDA is not used), the model check and a timed generation.</summary>
internal static class DoctorCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var device = CommonOptions.Device();
        var json = new Option<bool>("--json") { Description = "Print the report as JSON" };
        var command = new Command("doctor", "Check the installation, the model and the device, and time a generation") { model, device, json };
        command.SetAction((parse, cancellationToken) =>
        {
            var path = ServeCommand.FullPathOrNull(parse.GetValue(model));
            LanguageModel? loaded = null;
            string? error = null;
            try
            {
                path ??= Engine.Models.ModelCatalog.ResolveDefault();
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
                    Console.Out.WriteLine(JsonSerializer.Serialize(new
                    {
                        healthy = report.Healthy,
                        checks = report.Lines.ToDictionary(l => l.Name, l => l.Value),
                    }, new JsonSerializerOptions { WriteIndented = true }));
                else
                    Console.Out.Write(report.ToText());
                return Task.FromResult(report.Healthy ? 0 : 1);
            }
        });
        return command;
    }
}
