using System.Globalization;
using System.Text.Json;
using CodeAssist.Bench.Evaluation;
using CodeAssist.ModelFactory;

namespace CodeAssist.Training;

/// <summary>
/// The baseline a trained model must beat: a token 4-gram model over the train split with backoff to shorter
/// contexts, completing greedily from the prefix alone (an n-gram model cannot read the suffix) and stopping at
/// the end of the line or after 64 tokens. Scored with <see cref="FimScores"/>, as `codeassist-bench eval` scores models.
/// </summary>
internal static class NGramBaseline
{
    private const int Order = 4;
    private const int MaxTokens = 64;
    private const int Candidates = 16;

    public static void Evaluate(TrainingPaths paths, string setPath, string jsonPath)
    {
        var tokenizer = TokenizerStep.Load(paths);
        if (tokenizer.VocabSize > 8192)
            throw new ArgumentException($"The n-gram baseline packs contexts for vocabularies up to 8192 ids, not {tokenizer.VocabSize}.");
        var manifest = CorpusManifest.Read(paths.Manifest);
        var train = CorpusSplit.Load(paths, manifest, "train", tokenizer, paths.TrainTokens);
        var candidates = Count(train.Tokens);
        var examples = EvalSetWriter.Read(setPath);
        double exact = 0, similarity = 0;
        foreach (var example in examples)
        {
            var text = Complete(candidates, tokenizer, example.Prefix);
            if (Environment.GetEnvironmentVariable("NGRAM_DEBUG") is not null)
                Console.Error.WriteLine($"{example.Middle.ReplaceLineEndings(" ")} => {text}");
            exact += FimScores.ExactMatch(text, example.Middle) ? 1 : 0;
            similarity += FimScores.EditSimilarity(text, example.Middle);
        }
        var result = new
        {
            Model = "4-gram (train split)",
            Examples = examples.Count,
            ExactMatch = exact / examples.Count,
            EditSimilarity = similarity / examples.Count,
        };
        Console.Out.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"4-gram baseline: {examples.Count} examples, exact match {result.ExactMatch:P1}, edit similarity {result.EditSimilarity:F3}"));
        if (jsonPath.Length > 0)
            File.WriteAllText(jsonPath, JsonSerializer.Serialize(result, Json.Options));
    }

    /// <summary>
    /// Greedy continuation with token healing: the prefix's last token is dropped and regenerated under the
    /// constraint that the output starts with its text, because a cursor inside a word leaves a token the
    /// training text (tokenized whole) almost never contains, and the n-gram contexts would all miss.
    /// </summary>
    private static string Complete(Dictionary<long, int[]>[] candidates, ByteLevelBpeTokenizer tokenizer, string prefix)
    {
        var context = tokenizer.Encode(prefix[Math.Max(0, prefix.Length - 400)..]).ToList();
        var required = "";
        if (context.Count > 0)
        {
            required = tokenizer.Decode([context[^1]]);
            context.RemoveAt(context.Count - 1);
        }
        var generated = new List<int>();
        for (var i = 0; i < MaxTokens; i++)
        {
            var next = Predict(candidates, context, tokenizer, required);
            if (next < 0)
                break;
            var piece = tokenizer.Decode([next]);
            required = piece.Length >= required.Length ? "" : required[piece.Length..];
            context.Add(next);
            generated.Add(next);
            if (required.Length == 0 && tokenizer.Decode(generated).Length > 0 && piece.Contains('\n'))
                break;
        }
        var text = tokenizer.Decode(generated);
        var healed = context.Count > 0 && generated.Count > 0 ? text : "";
        var original = tokenizer.Decode(tokenizer.Encode(prefix[Math.Max(0, prefix.Length - 400)..]).TakeLast(1));
        healed = healed.StartsWith(original, StringComparison.Ordinal) ? healed[original.Length..] : healed;
        var newline = healed.IndexOf('\n');
        return newline >= 0 ? healed[..newline] : healed;
    }

    /// <summary>For every context of 0 to 3 tokens, its most frequent next tokens, most frequent first.</summary>
    private static Dictionary<long, int[]>[] Count(ushort[] tokens)
    {
        var best = new Dictionary<long, int[]>[Order];
        for (var n = 0; n < Order; n++)
        {
            var counts = new Dictionary<long, int>();
            for (var i = n; i < tokens.Length; i++)
            {
                var key = Key(tokens.AsSpan(i - n, n)) * 65536 + tokens[i];
                counts[key] = counts.GetValueOrDefault(key) + 1;
            }
            best[n] = counts
                .GroupBy(entry => entry.Key / 65536)
                .ToDictionary(
                    group => group.Key,
                    group => group.OrderByDescending(e => e.Value).ThenBy(e => e.Key).Take(Candidates).Select(e => (int)(e.Key % 65536)).ToArray());
        }
        return best;
    }

    /// <summary>The most frequent next token of the longest known context that agrees with the text still required.</summary>
    private static int Predict(Dictionary<long, int[]>[] candidates, List<int> context, ByteLevelBpeTokenizer tokenizer, string required)
    {
        for (var n = Order - 1; n >= 0; n--)
        {
            if (context.Count < n)
                continue;
            var ids = context.GetRange(context.Count - n, n).Select(id => (ushort)id).ToArray();
            if (!candidates[n].TryGetValue(Key(ids), out var next))
                continue;
            foreach (var id in next)
            {
                var piece = tokenizer.Decode([id]);
                if (required.Length == 0
                    || piece.StartsWith(required, StringComparison.Ordinal)
                    || (piece.Length > 0 && required.StartsWith(piece, StringComparison.Ordinal)))
                {
                    return id;
                }
            }
        }
        return -1;
    }

    /// <summary>
    /// Up to three ids below 8192 packed into one number with a leading 1 so lengths differ: at most 40 bits, so
    /// that key × 65536 + next id still fits a long.
    /// </summary>
    private static long Key(ReadOnlySpan<ushort> ids)
    {
        long key = 1;
        foreach (var id in ids)
            key = key * 8192 + id;
        return key;
    }
}
