using System.Text.Json;
using CodeAssist.Inference;
using CodeAssist.Inference.Models;
using CodeAssist.Server.Protocol;

namespace CodeAssist.Server.Handlers.CodeAssist;

internal sealed class StatsHandler(ServerState state) : ISerialRequestHandler<JsonElement?, StatsResult>
{
    public StatsResult Handle(JsonElement? parameters)
    {
        var stats = state.Engine.Completion.Stats.Snapshot();
        return new StatsResult(stats.Shown, stats.Accepted, stats.PartiallyAccepted, stats.Generations, stats.CacheHits, stats.Requests, stats.Cancelled,
            stats.CompilerCut, stats.CompilerDropped,
            Speculation(state.Engine.Models.Loaded as LanguageModel), NextEdits(state.Engine.NextEdits.Stats.Snapshot()))
        {
            Startup = Engine.Hosting.StartupTimeline.Snapshot(),
        };
    }

    private static NextEditStatsInfo NextEdits(Engine.NextEdit.NextEditStatsSnapshot stats) => new(stats.Requests, stats.Shown, stats.Accepted, stats.Dropped);

    private static SpeculationStats? Speculation(LanguageModel? model)
    {
        if (model is null || model.Speculation.Mode == SpeculationMode.None)
            return null;
        var totals = model.SpeculationTotals;
        var mode = model.Speculation.Mode == SpeculationMode.DraftModel ? "draftModel" : "promptLookup";
        return new SpeculationStats(mode, totals.Steps, totals.Proposed, totals.Accepted, totals.AcceptedPerStep, totals.AcceptanceRate);
    }
}
