using System.Text.Json;
using CodeAssist.Server.Protocol;

namespace CodeAssist.Server.Handlers.CodeAssist;

internal sealed class StatsHandler(ServerState state) : ISerialRequestHandler<JsonElement?, StatsResult>
{
    public StatsResult Handle(JsonElement? parameters)
    {
        var stats = state.Engine.Completion.Stats.Snapshot();
        return new StatsResult(stats.Shown, stats.Accepted, stats.PartiallyAccepted, stats.Generations, stats.CacheHits, stats.Requests, stats.Cancelled,
            stats.CompilerCut, stats.CompilerDropped);
    }
}
