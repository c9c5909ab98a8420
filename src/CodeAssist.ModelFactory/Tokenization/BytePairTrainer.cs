using System.Text;

namespace CodeAssist.ModelFactory.Tokenization;

/// <summary>
/// Learns byte-level BPE merges by repeatedly merging the most frequent adjacent pair of symbols within the
/// pre-tokenized words of a corpus. Pair counts are updated incrementally, only for the words a merge touches,
/// so a few megabytes of text train in seconds. Ties go to the pair with the smaller left, then right, id,
/// which makes the result depend on nothing but the text.
/// </summary>
internal static class BytePairTrainer
{
    /// <summary>The byte-level tokens (index = id, the 256 single bytes first) and the merges in rank order.</summary>
    public sealed record Result(IReadOnlyList<string> Tokens, IReadOnlyList<(int Left, int Right)> Merges);

    public static Result Train(IEnumerable<string> texts, int tokenCount, Func<string, List<string>> splitWords)
    {
        var corpus = Corpus.Count(texts, splitWords);
        var tokens = Enumerable.Range(0, 256).Select(value => ByteLevelAlphabet.CharacterFor((byte)value).ToString()).ToList();
        var idByToken = Enumerable.Range(0, 256).ToDictionary(id => tokens[id], id => id, StringComparer.Ordinal);
        var merges = new List<(int Left, int Right)>();
        var mergedPairs = new HashSet<long>();

        while (tokens.Count < tokenCount && corpus.TryTakeMostFrequentPair(out var left, out var right))
        {
            if (!mergedPairs.Add(PairKey(left, right)))
            {
                // A pair can reappear after all its occurrences were merged when a later merge rebuilds one of
                // its tokens; merging it again would only repeat a rule the tokenizer already has.
                corpus.Forget(left, right);
                continue;
            }
            var mergedToken = tokens[left] + tokens[right];
            if (!idByToken.TryGetValue(mergedToken, out var mergedId))
            {
                // Different merge paths can spell the same bytes ("ab"+"c" and "a"+"bc"); they share one id.
                mergedId = tokens.Count;
                tokens.Add(mergedToken);
                idByToken.Add(mergedToken, mergedId);
            }
            merges.Add((left, right));
            corpus.Merge(left, right, mergedId);
        }
        return new Result(tokens, merges);
    }

    private static long PairKey(int left, int right) => ((long)left << 32) | (uint)right;

    /// <summary>Distinct words as symbol arrays with their frequencies, and the live count of every adjacent pair.</summary>
    private sealed class Corpus
    {
        private readonly int[][] _symbols;
        private readonly int[] _lengths;
        private readonly long[] _frequencies;
        private readonly Dictionary<long, long> _pairCounts = [];
        private readonly Dictionary<long, HashSet<int>> _wordsByPair = [];

        // Ordered by descending count, then ascending left and right id; entries whose count has changed since
        // they were queued are stale and skipped, because a changed count is always queued again.
        private readonly PriorityQueue<long, (long NegatedCount, int Left, int Right)> _candidates = new();

        private Corpus(int[][] symbols, long[] frequencies)
        {
            _symbols = symbols;
            _frequencies = frequencies;
            _lengths = [.. symbols.Select(word => word.Length)];
            var changed = new Dictionary<long, long>();
            for (var word = 0; word < symbols.Length; word++)
            {
                AddPairs(word, +1, changed);
            }
            Apply(changed);
        }

        public static Corpus Count(IEnumerable<string> texts, Func<string, List<string>> splitWords)
        {
            var frequencyByWord = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var text in texts)
            {
                foreach (var word in splitWords(text))
                {
                    frequencyByWord[word] = frequencyByWord.GetValueOrDefault(word) + 1;
                }
            }
            var words = frequencyByWord.Keys.Order(StringComparer.Ordinal).ToArray();
            return new Corpus(
                [.. words.Select(word => Encoding.UTF8.GetBytes(word).Select(value => (int)value).ToArray())],
                [.. words.Select(word => frequencyByWord[word])]);
        }

        public bool TryTakeMostFrequentPair(out int left, out int right)
        {
            while (_candidates.TryDequeue(out var key, out var priority))
            {
                if (_pairCounts.TryGetValue(key, out var count) && count == -priority.NegatedCount)
                {
                    (left, right) = (priority.Left, priority.Right);
                    return true;
                }
            }
            (left, right) = (0, 0);
            return false;
        }

        public void Forget(int left, int right) => _pairCounts.Remove(PairKey(left, right));

        public void Merge(int left, int right, int mergedId)
        {
            var key = PairKey(left, right);
            var changed = new Dictionary<long, long>();
            foreach (var word in _wordsByPair[key])
            {
                if (!Contains(word, left, right))
                {
                    continue;
                }
                AddPairs(word, -1, changed);
                ReplacePair(word, left, right, mergedId);
                AddPairs(word, +1, changed);
            }
            _wordsByPair.Remove(key);
            Apply(changed);
        }

        private bool Contains(int word, int left, int right)
        {
            var wordSymbols = _symbols[word];
            for (var i = 0; i + 1 < _lengths[word]; i++)
            {
                if (wordSymbols[i] == left && wordSymbols[i + 1] == right)
                {
                    return true;
                }
            }
            return false;
        }

        private void ReplacePair(int word, int left, int right, int mergedId)
        {
            var wordSymbols = _symbols[word];
            var length = _lengths[word];
            var written = 0;
            for (var read = 0; read < length; written++)
            {
                if (read + 1 < length && wordSymbols[read] == left && wordSymbols[read + 1] == right)
                {
                    wordSymbols[written] = mergedId;
                    read += 2;
                }
                else
                {
                    wordSymbols[written] = wordSymbols[read];
                    read++;
                }
            }
            _lengths[word] = written;
        }

        private void AddPairs(int word, int sign, Dictionary<long, long> changed)
        {
            var wordSymbols = _symbols[word];
            for (var i = 0; i + 1 < _lengths[word]; i++)
            {
                var key = PairKey(wordSymbols[i], wordSymbols[i + 1]);
                changed[key] = changed.GetValueOrDefault(key) + sign * _frequencies[word];
                if (sign > 0)
                {
                    if (!_wordsByPair.TryGetValue(key, out var words))
                    {
                        words = [];
                        _wordsByPair.Add(key, words);
                    }
                    words.Add(word);
                }
            }
        }

        private void Apply(Dictionary<long, long> changed)
        {
            foreach (var (key, delta) in changed)
            {
                if (delta == 0)
                {
                    continue;
                }
                var count = _pairCounts.GetValueOrDefault(key) + delta;
                if (count <= 0)
                {
                    _pairCounts.Remove(key);
                    continue;
                }
                _pairCounts[key] = count;
                _candidates.Enqueue(key, (-count, (int)(key >> 32), (int)(uint)key));
            }
        }
    }
}
