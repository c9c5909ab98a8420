using System.Text.Json;
using CodeAssist.Server.Protocol;
using StreamJsonRpc;

namespace CodeAssist.Server.Handlers.CodeAssist;

internal sealed class StatsHandler(ServerState state)
{
    [JsonRpcMethod(CodeAssistMethods.Stats)]
    public StatsResult Stats(JsonElement? ignored = null)
    {
        state.EnsureInitialized();
        var stats = state.Completion.Stats.Snapshot();
        return new StatsResult(stats.Shown, stats.Accepted, stats.PartiallyAccepted, stats.Generations, stats.CacheHits, stats.Requests, stats.Cancelled,
            stats.CompilerCut, stats.CompilerDropped);
    }
}
