using Microsoft.ML.OnnxRuntimeGenAI;

namespace CodeAssist.Inference.Generation;

/// <summary>
/// The KV-reuse policy: the generator of the last greedy request is kept with every token of its sequence, and a new
/// prompt that extends a long enough part of that sequence rewinds it there (<c>RewindTo</c>) and appends only the
/// rest, instead of running the whole prompt again. Per keystroke that is most of the prompt. Generation-thread only.
/// </summary>
/// <param name="rewindable">
/// False for a model with a draft decoder: GenAI 0.18 rewinds such a pair wrongly (after <c>RewindTo</c> and new
/// tokens, the model's greedy reply differs from a fresh run's whenever the draft is not the model itself; pinned by
/// <c>SpeculativeDecodingTests.GenAiRewindsADraftPairWrongly</c>), so each request starts a fresh generator.
/// </param>
internal sealed class KvPrefixCache(Model model, Func<GeneratorParams> greedyParams, bool rewindable = true) : IDisposable
{
    /// <summary>A shared prefix shorter than this is not worth a rewind.</summary>
    private const int MinReusedTokens = 4;

    /// <summary>
    /// After a generation that produced tokens, GenAI 0.18 holds the keys and values of all but the last two tokens
    /// of the sequence in a form it can rewind to (the newest token has not been run yet, and the one before sits in
    /// the "present" buffers). Rewinding further forward fails, or with some graphs breaks the next run, so reuse stops there.
    /// </summary>
    private const int UnrewindableTailTokens = 2;

    private Generator? _generator;
    private GeneratorParams? _params;
    private int[] _tokens = [];
    private int _reusable;

    /// <summary>The token sequence of the cached generator, for tests; read it only while no generation runs.</summary>
    public IReadOnlyList<int> Sequence => _tokens;

    /// <summary>
    /// Returns a generator holding <paramref name="prompt"/>: the cached one rewound to the longest shared prefix when
    /// that is long enough and reuse is allowed, otherwise a fresh one (which becomes the cached one).
    /// </summary>
    public Generator Prepare(int[] prompt, bool allowReuse, out int reused)
    {
        reused = 0;
        if (_generator is not null && allowReuse && rewindable)
        {
            // At least one prompt token must be appended so that the next logits belong to this prompt.
            var common = Math.Min(CommonPrefixLength(_tokens, prompt), Math.Min(_reusable, prompt.Length - 1));
            if (common >= MinReusedTokens)
            {
                try
                {
                    _generator.RewindTo((ulong)common);
                    _generator.AppendTokens(prompt.AsSpan(common));
                    reused = common;
                    return _generator;
                }
                catch (OnnxRuntimeGenAIException)
                {
                    // Reuse is an optimisation: a generator that refuses the rewind is replaced by a fresh one.
                }
            }
        }
        Drop();
        try
        {
            _params = greedyParams();
            _generator = new Generator(model, _params);
            _generator.AppendTokens(prompt);
            return _generator;
        }
        catch
        {
            Drop();
            throw;
        }
    }

    /// <summary>Records what the generator now holds, after a generation that ended normally or was cancelled between tokens.</summary>
    public void Remember(Generator generator, int newTokens)
    {
        _tokens = generator.GetSequence(0).ToArray();
        _reusable = newTokens == 0 ? _tokens.Length : Math.Max(0, _tokens.Length - UnrewindableTailTokens);
    }

    /// <summary>Frees the cached generator: after a failure its state is unknown.</summary>
    public void Drop()
    {
        _generator?.Dispose();
        _params?.Dispose();
        _generator = null;
        _params = null;
        _tokens = [];
        _reusable = 0;
    }

    public void Dispose() => Drop();

    private static int CommonPrefixLength(int[] cached, int[] prompt)
    {
        var length = Math.Min(cached.Length, prompt.Length);
        var i = 0;
        while (i < length && cached[i] == prompt[i])
            i++;
        return i;
    }
}
