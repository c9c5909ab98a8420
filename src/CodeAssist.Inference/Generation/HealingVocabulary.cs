using CodeAssist.Inference.Tokenization;

namespace CodeAssist.Inference.Generation;

/// <summary>
/// Every token's text, decoded once per model on first use and indexed by first character, so that token healing
/// finds the tokens that agree with a healed text without decoding the vocabulary per request. Special tokens and
/// tokens that are not whole characters on their own (U+FFFD when decoded alone) never heal.
/// </summary>
internal sealed class HealingVocabulary
{
    private readonly string[] _texts;
    private readonly Dictionary<char, List<int>> _byFirstCharacter;

    private HealingVocabulary(string[] texts, Dictionary<char, List<int>> byFirstCharacter)
    {
        _texts = texts;
        _byFirstCharacter = byFirstCharacter;
    }

    /// <summary>How many tokens the index covers: the width of the model's logits.</summary>
    public int Size => _texts.Length;

    public static HealingVocabulary Build(ModelTokenizer tokenizer, IEnumerable<int> specialTokenIds, int size)
    {
        var special = specialTokenIds.ToHashSet();
        var texts = new string[size];
        var byFirst = new Dictionary<char, List<int>>();
        for (var id = 0; id < size; id++)
        {
            texts[id] = special.Contains(id) ? "" : tokenizer.Decode([id]);
            if (texts[id].Length == 0 || texts[id].Contains('\uFFFD'))
                continue;
            if (!byFirst.TryGetValue(texts[id][0], out var list))
                byFirst[texts[id][0]] = list = [];
            list.Add(id);
        }
        return new HealingVocabulary(texts, byFirst);
    }

    /// <summary>The tokens whose text agrees with <paramref name="healed"/>: starts with it, or is a start of it.</summary>
    public IEnumerable<(int Id, string Text)> Agreeing(string healed)
    {
        if (healed.Length == 0 || !_byFirstCharacter.TryGetValue(healed[0], out var candidates))
            yield break;
        foreach (var id in candidates)
        {
            var text = _texts[id];
            if (text.StartsWith(healed, StringComparison.Ordinal) || healed.StartsWith(text, StringComparison.Ordinal))
                yield return (id, text);
        }
    }
}
