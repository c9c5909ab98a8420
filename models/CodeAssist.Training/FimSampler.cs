using CodeAssist.ModelFactory;

namespace CodeAssist.Training;

/// <summary>What a training step samples; each stage of the plan has one.</summary>
internal enum SampleMode
{
    /// <summary>Plain text and PSM FIM at the plan's FIM rate, every token scored.</summary>
    Mixed,

    /// <summary><see cref="FimSampler.FocusedFimRate"/> PSM FIM scored on the middle only.</summary>
    FimFocused,

    /// <summary>
    /// <see cref="FimSampler.FocusedFimRate"/> FIM in suffix-prefix-middle order (the server's <c>codeassist</c>
    /// format), every token scored, middles starting where a word starts: the prefix is then continued directly,
    /// the skill plain text teaches, and it ends where the server's token healing cuts it.
    /// </summary>
    Spm,

    /// <summary>
    /// The long-context stage (<see cref="LongStageSampler"/>): SPM FIM and plain text at the long window, mixed with
    /// refactoring instruction samples in the server's exact prompt.
    /// </summary>
    Long,
}

/// <summary>
/// Training sequences of exactly <c>length + 1</c> ids (inputs and shifted targets): plain left-to-right text and
/// fill-in-the-middle, either in Qwen's prefix-suffix-middle order
/// <c>&lt;|fim_prefix|&gt;P&lt;|fim_suffix|&gt;S&lt;|fim_middle|&gt;M&lt;|endoftext|&gt;</c> or in suffix-prefix-middle
/// order <c>&lt;|fim_prefix|&gt;&lt;|fim_suffix|&gt;S&lt;|fim_middle|&gt;PM&lt;|endoftext|&gt;</c> (see
/// <see cref="SampleMode"/>). Like the server's prompts, most FIM samples start with the repository preamble
/// (<c>&lt;|repo_name|&gt;</c>, other files, <c>&lt;|file_sep|&gt;path</c>), and middles are mostly what an editor
/// asks for: the rest of a line or a few lines.
/// </summary>
internal sealed class FimSampler(CorpusSplit split, ByteLevelBpeTokenizer tokenizer, int length, double fimRate)
{
    /// <summary>Middles longer than this are resampled: the server asks for 64 new tokens at most.</summary>
    private const int MaxMiddleTokens = 96;

    private readonly int _prefixId = tokenizer.TokenId(ByteLevelBpeTokenizer.FimPrefix);
    private readonly int _suffixId = tokenizer.TokenId(ByteLevelBpeTokenizer.FimSuffix);
    private readonly int _middleId = tokenizer.TokenId(ByteLevelBpeTokenizer.FimMiddle);
    private readonly int _endId = tokenizer.TokenId(ByteLevelBpeTokenizer.EndOfText);

    /// <summary>Target id the loss ignores (padding).</summary>
    public const int IgnoredTarget = -100;

    /// <summary>The share of FIM samples in the FIM-focused and SPM parts of training.</summary>
    public const double FocusedFimRate = 0.8;

    /// <summary>The next sequence of the stage <paramref name="mode"/>.</summary>
    public (int[] Inputs, int[] Targets) Next(Random random, SampleMode mode = SampleMode.Mixed)
    {
        var isFim = random.NextDouble() < (mode == SampleMode.Mixed ? fimRate : FocusedFimRate);
        var ids = isFim ? FimSequence(random, suffixFirst: mode == SampleMode.Spm).Ids : PlainSequence(random);
        var scoredFrom = isFim && mode == SampleMode.FimFocused ? ids.LastIndexOf(_middleId) : 0;
        return Sequence(ids, scoredFrom);
    }

    /// <summary>
    /// An SPM FIM sequence scored on the middle and its end only: what a completion is, so its loss follows completion
    /// quality where the mixed set's (plain text and PSM FIM, every token scored) does not.
    /// </summary>
    public (int[] Inputs, int[] Targets) NextSpmMiddle(Random random)
    {
        var (ids, middleStart) = FimSequence(random, suffixFirst: true);
        return Sequence(ids, middleStart - 1);
    }

    private (int[] Inputs, int[] Targets) Sequence(List<int> ids, int scoredFrom)
    {
        var inputs = new int[length];
        var targets = new int[length];
        for (var i = 0; i < length; i++)
        {
            inputs[i] = i < ids.Count ? ids[i] : _endId;
            targets[i] = i + 1 < ids.Count && i >= scoredFrom ? ids[i + 1] : IgnoredTarget;
        }
        return (inputs, targets);
    }

    private List<int> PlainSequence(Random random)
    {
        var start = random.Next(0, split.Tokens.Length - length - 1);
        return [.. split.Tokens.AsSpan(start, length + 1).ToArray().Select(id => (int)id)];
    }

    /// <summary>A FIM sequence and where its middle starts in it.</summary>
    private (List<int> Ids, int MiddleStart) FimSequence(Random random, bool suffixFirst)
    {
        for (var attempt = 0; ; attempt++)
        {
            var fileIndex = split.PickFile(random);
            var text = split.Texts[fileIndex];
            var (start, end) = FimSpans.ChooseMiddle(text, random);
            if (suffixFirst)
                start = ByteLevelBpeTokenizer.WordStart(text, start);
            var middle = tokenizer.Encode(text[start..end]);
            if (middle.Count > MaxMiddleTokens && attempt < 8)
                continue;
            middle = [.. middle.Take(MaxMiddleTokens)];
            var preamble = tokenizer.Encode(Preamble(fileIndex, random));
            var prefix = tokenizer.Encode(text[Math.Max(0, start - 4000)..start]);
            var suffix = tokenizer.Encode(text[end..Math.Min(text.Length, end + 1500)]);

            var room = length + 1 - preamble.Count - 4 - middle.Count;
            if (room < 16)
                continue;
            // The server gives the suffix about a fifth of what prefix and suffix share; vary it around that.
            var suffixRoom = Math.Min(suffix.Count, (int)(room * (0.1 + 0.25 * random.NextDouble())));
            var prefixRoom = Math.Min(prefix.Count, room - suffixRoom);
            suffixRoom = Math.Min(suffix.Count, room - prefixRoom);

            var ids = new List<int>(length + 1);
            ids.AddRange(preamble);
            ids.Add(_prefixId);
            if (suffixFirst)
            {
                ids.Add(_suffixId);
                ids.AddRange(suffix.Take(suffixRoom));
                ids.Add(_middleId);
                ids.AddRange(prefix.Skip(prefix.Count - prefixRoom));
            }
            else
            {
                ids.AddRange(prefix.Skip(prefix.Count - prefixRoom));
                ids.Add(_suffixId);
                ids.AddRange(suffix.Take(suffixRoom));
                ids.Add(_middleId);
            }
            var middleStart = ids.Count;
            ids.AddRange(middle);
            ids.Add(_endId);
            return (ids, middleStart);
        }
    }

    /// <summary>
    /// The server's repository prompt: <c>&lt;|repo_name|&gt;</c> with the workspace folder's name, optional
    /// other files, then <c>&lt;|file_sep|&gt;</c> and the file's path relative to the workspace.
    /// </summary>
    private string Preamble(int fileIndex, Random random)
    {
        if (random.NextDouble() < 0.3)
            return "";
        var parts = split.Files[fileIndex].Path.Split('/');
        var repository = parts.Length > 2 ? parts[^2] : parts[0];
        var path = random.NextDouble() < 0.6 ? parts[^1] : string.Join('/', parts[Math.Max(0, parts.Length - 3)..]);
        var preamble = $"{ByteLevelBpeTokenizer.RepoName}{repository}\n";
        if (random.NextDouble() < 0.25)
        {
            var other = split.PickFile(random);
            var otherText = split.Texts[other];
            var excerpt = otherText[..Math.Min(otherText.Length, random.Next(100, 600))];
            preamble += $"{ByteLevelBpeTokenizer.FileSeparator}{split.Files[other].Path.Split('/')[^1]}\n{excerpt}\n";
        }
        return preamble + $"{ByteLevelBpeTokenizer.FileSeparator}{path}\n";
    }
}

/// <summary>Where the middle of a FIM example lies; shared by training samples and the evaluation set.</summary>
internal static class FimSpans
{
    /// <summary>
    /// Half the time the rest of a line from a point after its indentation, a third of the time one to four
    /// whole lines from such a point, otherwise a random span of up to 200 characters.
    /// </summary>
    public static (int Start, int End) ChooseMiddle(string text, Random random)
    {
        var kind = random.NextDouble();
        if (kind > 0.83)
        {
            var start = random.Next(0, text.Length);
            return (start, Math.Min(text.Length, start + random.Next(1, 200)));
        }
        var (lineStart, lineEnd) = RandomCodeLine(text, random);
        var column = lineStart + random.Next(0, lineEnd - lineStart);
        if (kind < 0.5)
            return (column, lineEnd);
        var end = lineEnd;
        for (var extra = random.Next(0, 4); extra > 0 && end < text.Length; extra--)
        {
            var next = text.IndexOf('\n', end + 1);
            end = next < 0 ? text.Length : next;
        }
        return (column, end);
    }

    /// <summary>A line with code on it: from its first non-blank character to its end (before "\n").</summary>
    public static (int Start, int End) RandomCodeLine(string text, Random random)
    {
        for (var attempt = 0; attempt < 20; attempt++)
        {
            var at = random.Next(0, text.Length);
            var start = text.LastIndexOf('\n', Math.Max(0, at - 1)) + 1;
            if (at == 0)
                start = 0;
            var end = text.IndexOf('\n', start);
            if (end < 0)
                end = text.Length;
            while (start < end && char.IsWhiteSpace(text[start]))
                start++;
            if (end - start >= 2)
                return (start, end);
        }
        return (0, Math.Min(text.Length, Math.Max(1, text.IndexOf('\n') < 0 ? text.Length : text.IndexOf('\n'))));
    }
}
