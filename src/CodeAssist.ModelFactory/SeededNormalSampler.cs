namespace CodeAssist.ModelFactory;

/// <summary>
/// Draws normally distributed floats from a seed with a fixed algorithm (SplitMix64 + Box-Muller), so that the
/// same seed gives the same weights on every runtime version; System.Random's algorithm is not a promise.
/// </summary>
internal sealed class SeededNormalSampler(ulong seed)
{
    private ulong _state = seed;
    private double? _spare;

    public float Next(double standardDeviation)
    {
        if (_spare is { } cached)
        {
            _spare = null;
            return (float)(cached * standardDeviation);
        }
        // Box-Muller gives two independent samples per pair of uniforms; keep the second for the next call.
        var u1 = NextUniformOpenAtZero();
        var u2 = NextUniformOpenAtZero();
        var radius = Math.Sqrt(-2.0 * Math.Log(u1));
        var angle = 2.0 * Math.PI * u2;
        _spare = radius * Math.Sin(angle);
        return (float)(radius * Math.Cos(angle) * standardDeviation);
    }

    /// <summary>A uniform double in (0, 1]: never zero, so the logarithm above stays finite.</summary>
    private double NextUniformOpenAtZero() => ((NextUInt64() >> 11) + 1) * (1.0 / (1UL << 53));

    private ulong NextUInt64()
    {
        _state += 0x9E3779B97F4A7C15UL;
        var mixed = _state;
        mixed = (mixed ^ (mixed >> 30)) * 0xBF58476D1CE4E5B9UL;
        mixed = (mixed ^ (mixed >> 27)) * 0x94D049BB133111EBUL;
        return mixed ^ (mixed >> 31);
    }
}
