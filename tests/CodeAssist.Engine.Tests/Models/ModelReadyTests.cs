using System.Collections.Concurrent;
using CodeAssist.Engine.Models;
using CodeAssist.Inference.Devices;

namespace CodeAssist.Engine.Tests.Models;

/// <summary>
/// Start-up (#19): a model counts as ready once its warm-up generation has ended, not when its files are loaded, so a
/// client that waits for "ready" sends its first request to a warm runtime.
/// </summary>
public sealed class ModelReadyTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    [Fact]
    public async Task The_model_is_loading_until_its_warm_up_generation_has_ended()
    {
        var log = new ConcurrentQueue<string>();
        using var models = new ModelHost(log.Enqueue);
        models.Load(_temp.ScriptedModel("Console.WriteLine();"), DevicePreference.Cpu);

        var model = await models.WhenReadyAsync(CancellationToken.None);

        Assert.NotNull(model);
        Assert.False(models.IsLoading);
        Assert.Contains(log, m => m.Contains("warmed up", StringComparison.Ordinal));
    }

    public void Dispose() => _temp.Dispose();
}
