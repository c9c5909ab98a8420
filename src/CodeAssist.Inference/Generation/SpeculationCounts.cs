using Microsoft.ML.OnnxRuntimeGenAI;

namespace CodeAssist.Inference.Generation;

/// <summary>
/// What speculative decoding did, from GenAI's own counters: verification steps (one pass of the model over a
/// proposal), tokens proposed, examined before the first mismatch, accepted, and committed by those steps (the
/// accepted ones plus the model's own token at the mismatch or after a fully accepted proposal).
/// </summary>
public sealed record SpeculationCounts(long Steps, long Proposed, long Evaluated, long Accepted, long Committed)
{
    public static readonly SpeculationCounts Zero = new(0, 0, 0, 0, 0);

    /// <summary>Accepted proposed tokens per verification step: each one is a pass over the weights saved.</summary>
    public double AcceptedPerStep => Steps == 0 ? 0 : (double)Accepted / Steps;

    /// <summary>Share of the examined proposals the model agreed with (GenAI's acceptance_rate).</summary>
    public double AcceptanceRate => Evaluated == 0 ? 0 : (double)Accepted / Evaluated;

    /// <summary>Tokens each verification step committed (1 + accepted per step).</summary>
    public double TokensPerStep => Steps == 0 ? 0 : (double)Committed / Steps;

    public SpeculationCounts Plus(SpeculationCounts other) =>
        new(Steps + other.Steps, Proposed + other.Proposed, Evaluated + other.Evaluated, Accepted + other.Accepted, Committed + other.Committed);

    public SpeculationCounts Minus(SpeculationCounts other) =>
        new(Steps - other.Steps, Proposed - other.Proposed, Evaluated - other.Evaluated, Accepted - other.Accepted, Committed - other.Committed);

    /// <summary>The generator's cumulative counters (generation thread only).</summary>
    internal static SpeculationCounts Of(Generator generator)
    {
        using var stats = generator.GetSpeculativeStats();
        return new((long)stats.GetCount("rounds"), (long)stats.GetCount("draft_tokens_proposed"), (long)stats.GetCount("draft_tokens_evaluated"),
            (long)stats.GetCount("draft_tokens_accepted"), (long)stats.GetCount("tokens_emitted"));
    }
}
