using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using CodeAssist.Engine.Models;
using CodeAssist.Inference;
using CodeAssist.Inference.Devices;
using CodeAssist.Inference.Generation;
using CodeAssist.Inference.Models;

namespace CodeAssist.Server.Diagnostics;

/// <summary>
/// What a user runs first when something is off ("the GPU is not used", "no suggestions"): versions, devices with the
/// exact reason CUDA is or is not used, the model folder check and a timed generation.
/// </summary>
public sealed record DoctorReport(IReadOnlyList<(string Name, string Value)> Lines, bool Healthy)
{
    public string ToText()
    {
        var width = Lines.Max(l => l.Name.Length);
        var text = new StringBuilder();
        foreach (var (name, value) in Lines)
            text.Append(name.PadRight(width)).Append("  ").Append(value).Append('\n');
        return text.ToString();
    }

    /// <param name="trusted">The server's workspace trust; null for the command line, which is always trusted.</param>
    public static DoctorReport Collect(
        LanguageModel? model, string? requestedPath, string? loadError, CancellationToken cancellationToken, bool? trusted = null)
    {
        var lines = new List<(string, string)>
        {
            ("codeassist", ServerVersion.Current),
            (".NET runtime", RuntimeInformation.FrameworkDescription),
            ("OS", $"{RuntimeInformation.OSDescription} ({RuntimeInformation.OSArchitecture})"),
            ("ONNX Runtime GenAI", $"{GenAiRuntime.Version} ({(CudaProbe.IsCudaBuild ? "CUDA build" : "CPU build")})"),
            ("models directory", ModelCatalog.ModelsDirectory),
        };
        if (trusted is { } isTrusted)
        {
            lines.Add(("workspace trust", isTrusted ? "trusted: projects are loaded with MSBuild"
                : "untrusted: no project is evaluated (loose-file context), only models from the models directory load"));
        }
        var healthy = true;

        var path = model?.Folder.Path ?? requestedPath;
        var cudaExplained = false;
        if (path is null)
        {
            try
            {
                path = ModelCatalog.ResolveDefault();
            }
            catch (FileNotFoundException e)
            {
                lines.Add(("model", "none: " + e.Message));
                healthy = false;
            }
        }
        if (path is not null)
        {
            lines.Add(("model folder", path));
            var problems = ModelFolder.Verify(path);
            lines.Add(("model check", problems.Count == 0 ? "ok" : string.Join("; ", problems)));
            healthy &= problems.Count == 0;
            // The CUDA probe loads the model; an untrusted workspace may have named a folder that must not load.
            if (problems.Count == 0 && (trusted != false || ModelsDirectory.Holds(ModelCatalog.ModelsDirectory, path)))
            {
                var (cuda, reason) = CudaProbe.Check(path);
                lines.Add(("CUDA", cuda ? "available" : "not available: " + reason));
                cudaExplained = !cuda;
            }
        }

        if (model is null && loadError is not null)
        {
            lines.Add(("model load", "failed: " + loadError));
            healthy = false;
        }
        if (model is not null)
        {
            lines.Add(("model", $"{model.Name} ({model.Folder.ModelType}, context {model.Folder.ContextLength})"));
            // The CUDA line above already says why the GPU is not used: the story is told once.
            lines.Add(("device", cudaExplained && model.Device.Device != ExecutionDevice.Cuda
                ? $"{model.Device.DisplayName} (CUDA: see above)"
                : $"{model.Device.DisplayName}: {model.Device.Reason}"));
            lines.Add(("prompt format", $"FIM {model.Format.Fim?.Id ?? "none (instruction prompts)"}, chat {model.Format.Chat.Id}"));
            if (model.Languages.DoctorLine is { } languages)
                lines.Add(("languages", languages));
            if (model.Folder.Graph is { } graph)
                lines.Add(("model graph", graph.Describe()));
            lines.Add(("speculation", model.Speculation.Describe()));
            if (model.Folder.SpeculationCaveat is { } caveat)
                lines.Add(("speculation caveat", caveat));
            var timing = TimeGeneration(model, cancellationToken);
            lines.Add(("test generation", timing));
            if (model.Speculation.Mode != SpeculationMode.None)
                lines.Add(("speculation figures", SpeculationFigures(model.SpeculationTotals)));
        }
        using var process = Process.GetCurrentProcess();
        lines.Add(("memory", $"{process.WorkingSet64 / (1024 * 1024)} MiB resident, {process.PeakWorkingSet64 / (1024 * 1024)} MiB peak"));
        lines.Add(("network", "none: CodeAssist opens no network sockets and sends no telemetry"));
        return new DoctorReport(lines, healthy);
    }

    /// <summary>Accepted tokens per verification step: what speculation saves, one pass over the weights per accepted token.</summary>
    public static string SpeculationFigures(SpeculationCounts counts) => counts.Steps == 0
        ? "no verification step yet (nothing proposed)"
        : $"{counts.AcceptedPerStep:F2} accepted tokens per verification step ({counts.TokensPerStep:F2} tokens per step, " +
          $"acceptance {counts.AcceptanceRate:P0} of {counts.Evaluated} examined, {counts.Steps} steps)";

    private static string TimeGeneration(LanguageModel model, CancellationToken cancellationToken)
    {
        const string prefix = "using System;\n\npublic static class Program\n{\n    public static void Main(string[] args)\n    {\n        Console.";
        const string suffix = "\n    }\n}\n";
        var prompt = model.Format.BuildCompletion(new Inference.Prompts.FimRequest(prefix, suffix));
        try
        {
            var result = model.GenerateAsync(new GenerationRequest(prompt, 32) { ReusePrefix = false }, cancellationToken).GetAwaiter().GetResult();
            var promptRate = result.PromptTokens / Math.Max(result.TimeToFirstToken.TotalSeconds, 1e-6);
            var generationTime = result.Elapsed - result.TimeToFirstToken;
            var newRate = result.NewTokens > 1 ? (result.NewTokens - 1) / Math.Max(generationTime.TotalSeconds, 1e-6) : 0;
            return $"{result.PromptTokens} prompt tokens at {promptRate:F0} tokens/s, {result.NewTokens} new tokens at {newRate:F0} tokens/s, " +
                   $"first token after {result.TimeToFirstToken.TotalMilliseconds:F1} ms, {result.Elapsed.TotalMilliseconds:F1} ms in all";
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return "failed: " + e.Message;
        }
    }
}
