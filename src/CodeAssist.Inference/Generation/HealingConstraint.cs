using Microsoft.ML.OnnxRuntimeGenAI;

namespace CodeAssist.Inference.Generation;

/// <summary>
/// Token healing during one generation: while healed text remains, the next token is not the model's free choice
/// but the likeliest token that agrees with that text (read from the logits); when none does (a word the vocabulary
/// spells differently), the healed text's own tokens are forced, which is the prompt unhealed. The healed text comes
/// out of the decoder first, and <see cref="Visible"/> keeps it from the reader. Generation-thread only.
/// </summary>
internal sealed class HealingConstraint
{
    private readonly Func<int, HealingVocabulary> _vocabularyOfSize;
    private readonly Func<string, int[]> _encode;
    private readonly Queue<int> _forced = new();
    private string _remaining;
    private int _hidden;

    /// <param name="healedText">The text token healing cut from the prompt's end.</param>
    /// <param name="vocabularyOfSize">The model's healing index for logits of a given width.</param>
    /// <param name="encode">The model's tokenizer, for the fallback.</param>
    public HealingConstraint(string healedText, Func<int, HealingVocabulary> vocabularyOfSize, Func<string, int[]> encode)
    {
        _remaining = healedText;
        _hidden = healedText.Length;
        _vocabularyOfSize = vocabularyOfSize;
        _encode = encode;
    }

    /// <summary>Whether the next token is forced rather than generated.</summary>
    public bool IsActive => _remaining.Length > 0 || _forced.Count > 0;

    /// <summary>The next forced token, chosen from the generator's current logits; call only while <see cref="IsActive"/>.</summary>
    public int NextToken(Generator generator)
    {
        if (_forced.Count == 0)
        {
            if (LikeliestAgreeing(generator) is var (chosen, chosenText))
            {
                _remaining = chosenText.Length >= _remaining.Length ? "" : _remaining[chosenText.Length..];
                _forced.Enqueue(chosen);
            }
            else
            {
                foreach (var id in _encode(_remaining))
                    _forced.Enqueue(id);
                _remaining = "";
            }
        }
        return _forced.Dequeue();
    }

    /// <summary>What of a decoded piece the reader sees: the healed text is cut from the front of the reply.</summary>
    public string Visible(string decoded)
    {
        if (_hidden == 0)
            return decoded;
        var cut = Math.Min(_hidden, decoded.Length);
        _hidden -= cut;
        return decoded[cut..];
    }

    /// <summary>The token with the highest logit among those that agree with the remaining healed text; null when none does.</summary>
    private (int Id, string Text)? LikeliestAgreeing(Generator generator)
    {
        using var output = generator.GetOutput("logits");
        var vocabulary = (int)output.Shape()[^1];
        var half = output.Type() == ElementType.float16;
        var offset = (int)(output.NumElements() - vocabulary);
        var logits32 = half ? default : output.GetData<float>().Slice(offset, vocabulary);
        var logits16 = half ? output.GetData<Half>().Slice(offset, vocabulary) : default;
        (int, string)? best = null;
        var bestLogit = float.NegativeInfinity;
        foreach (var (id, text) in _vocabularyOfSize(vocabulary).Agreeing(_remaining))
        {
            var logit = half ? (float)logits16[id] : logits32[id];
            if (logit > bestLogit)
                (best, bestLogit) = ((id, text), logit);
        }
        return best;
    }
}
