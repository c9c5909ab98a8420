namespace CodeAssist.Bench.Evaluation;

/// <summary>
/// The two scores of a fill-in-the-middle evaluation, defined once: `codeassist-bench eval` scores models with them,
/// and the training tool (models/CodeAssist.Training, which compiles this file as a link) scores its n-gram baseline
/// with them, so the two figures in the model card are comparable.
/// </summary>
public static class FimScores
{
    /// <summary>Equal after trimming trailing whitespace: a completion that stops at the line end is still exact.</summary>
    public static bool ExactMatch(string completion, string middle) =>
        string.Equals(completion.TrimEnd(), middle.TrimEnd(), StringComparison.Ordinal);

    /// <summary>1 − Levenshtein distance / length of the longer text, after trimming trailing whitespace (1 when both are empty).</summary>
    public static double EditSimilarity(string completion, string middle)
    {
        var (a, b) = (completion.TrimEnd(), middle.TrimEnd());
        if (a.Length == 0 && b.Length == 0)
            return 1;
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        var current = new int[b.Length + 1];
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (previous, current) = (current, previous);
        }
        return 1 - previous[b.Length] / (double)Math.Max(a.Length, b.Length);
    }
}
