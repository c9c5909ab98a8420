using System.Text;
using CodeAssist.ModelFactory.Tokenization;

namespace CodeAssist.ModelFactory;

/// <summary>
/// A GPT-2 style byte-level BPE tokenizer: regular ids are byte-level tokens (the 256 bytes, then merged
/// tokens), followed by <see cref="SpecialTokens"/>. <see cref="Encode"/> is the reference C# encoder, meant to
/// agree id for id with the tokenizer GenAI builds from the tokenizer.json that <see cref="WriteTo"/> writes.
/// Instances are immutable, so one tokenizer can encode on many threads at once.
/// </summary>
public sealed class ByteLevelBpeTokenizer
{
    public const string EndOfText = "<|endoftext|>";
    public const string FimPrefix = "<|fim_prefix|>";
    public const string FimMiddle = "<|fim_middle|>";
    public const string FimSuffix = "<|fim_suffix|>";
    public const string FimPad = "<|fim_pad|>";
    public const string RepoName = "<|repo_name|>";
    public const string FileSeparator = "<|file_sep|>";
    public const string User = "<|user|>";
    public const string Assistant = "<|assistant|>";
    public const string End = "<|end|>";

    /// <summary>The vocabulary size of <see cref="Default"/>, special tokens included.</summary>
    public const int DefaultVocabSize = 1024;

    private const string TrainingSampleResource = "CodeAssist.ModelFactory.CSharpTokenizerSample.txt";

    private static readonly string[] SpecialTokenTexts =
        [EndOfText, FimPrefix, FimMiddle, FimSuffix, FimPad, RepoName, FileSeparator, User, Assistant, End];

    private static readonly Lazy<ByteLevelBpeTokenizer> DefaultTokenizer = new(TrainDefault);

    private readonly IReadOnlyList<string> tokens;
    private readonly IReadOnlyList<(int Left, int Right)> merges;
    private readonly byte[][] bytesById;
    private readonly Dictionary<long, (int Rank, int MergedId)> mergeByPair = [];

    private ByteLevelBpeTokenizer(IReadOnlyList<string> tokens, IReadOnlyList<(int Left, int Right)> merges)
    {
        this.tokens = tokens;
        this.merges = merges;
        bytesById = [.. tokens.Select(ByteLevelAlphabet.Decode)];
        var idByToken = Enumerable.Range(0, tokens.Count).ToDictionary(id => tokens[id], StringComparer.Ordinal);
        for (var rank = 0; rank < merges.Count; rank++)
        {
            var (left, right) = merges[rank];
            mergeByPair.Add(PairKey(left, right), (rank, idByToken[tokens[left] + tokens[right]]));
        }
    }

    /// <summary>
    /// Trained on a C# sample embedded in this assembly, with <see cref="DefaultVocabSize"/> ids: the tokenizer
    /// of every random and scripted model, so that they share one vocabulary and one prompt format.
    /// </summary>
    public static ByteLevelBpeTokenizer Default => DefaultTokenizer.Value;

    /// <summary>"&lt;|endoftext|&gt;", the FIM tokens in Qwen2.5-Coder's spelling, repository and chat markers.</summary>
    public IReadOnlyList<string> SpecialTokens => SpecialTokenTexts;

    /// <summary>Regular tokens plus special tokens: the logits width a model for this tokenizer needs.</summary>
    public int VocabSize => tokens.Count + SpecialTokenTexts.Length;

    /// <summary>The byte-level tokens, ids 0 to this count − 1; the special tokens follow.</summary>
    internal int RegularTokenCount => tokens.Count;

    /// <summary>The bytes a regular token stands for (a graph's per-token tables are built from them).</summary>
    internal IReadOnlyList<byte> BytesOf(int id) => bytesById[id];

    /// <summary>
    /// Learns merges from <paramref name="texts"/> until the vocabulary, special tokens included, has
    /// <paramref name="vocabSize"/> ids, or fewer when the texts run out of pairs to merge. Deterministic:
    /// the same texts in the same order always give the same tokenizer.
    /// </summary>
    public static ByteLevelBpeTokenizer Train(IEnumerable<string> texts, int vocabSize)
    {
        var minimum = 256 + SpecialTokenTexts.Length;
        if (vocabSize < minimum)
        {
            throw new ArgumentOutOfRangeException(nameof(vocabSize), vocabSize, $"A byte-level vocabulary needs at least {minimum} ids: 256 bytes and {SpecialTokenTexts.Length} special tokens.");
        }
        var result = BytePairTrainer.Train(texts, vocabSize - SpecialTokenTexts.Length);
        return new ByteLevelBpeTokenizer(result.Tokens, result.Merges);
    }

    public int TokenId(string specialToken)
    {
        var index = Array.IndexOf(SpecialTokenTexts, specialToken);
        return index >= 0
            ? tokens.Count + index
            : throw new ArgumentException($"'{specialToken}' is not a special token; the special tokens are {string.Join(" ", SpecialTokenTexts)}.", nameof(specialToken));
    }

    /// <summary>
    /// Encodes as Hugging Face tokenizers (and GenAI) do: special token spellings become their single ids, the
    /// text between them is split by <see cref="GptPreTokenizer"/> and each word is byte-pair merged, lowest
    /// merge rank first.
    /// </summary>
    public IReadOnlyList<int> Encode(string text)
    {
        var ids = new List<int>();
        var idsByWord = new Dictionary<string, int[]>(StringComparer.Ordinal);
        var segmentStart = 0;
        var searchFrom = 0;
        while (searchFrom < text.Length)
        {
            var candidate = text.IndexOf("<|", searchFrom, StringComparison.Ordinal);
            if (candidate < 0)
            {
                break;
            }
            var special = Array.FindIndex(SpecialTokenTexts, token => text.AsSpan(candidate).StartsWith(token, StringComparison.Ordinal));
            if (special < 0)
            {
                searchFrom = candidate + 1;
                continue;
            }
            EncodeOrdinaryText(text[segmentStart..candidate], ids, idsByWord);
            ids.Add(tokens.Count + special);
            segmentStart = searchFrom = candidate + SpecialTokenTexts[special].Length;
        }
        EncodeOrdinaryText(text[segmentStart..], ids, idsByWord);
        return ids;
    }

    /// <summary>
    /// Where the pre-tokenizer's word holding the character at <paramref name="index"/> starts (within its line):
    /// the place a completion request's prefix ends once the server has healed the word being typed.
    /// </summary>
    public static int WordStart(string text, int index) => GptPreTokenizer.WordStart(text, index);

    /// <summary>
    /// Concatenates the tokens' bytes and reads them as UTF-8; special tokens come out as their spelling, and
    /// bytes that do not form valid UTF-8 (a character cut between ids) as U+FFFD.
    /// </summary>
    public string Decode(IEnumerable<int> ids)
    {
        var bytes = new List<byte>();
        foreach (var id in ids)
        {
            if (id >= 0 && id < tokens.Count)
            {
                bytes.AddRange(bytesById[id]);
            }
            else if (id >= tokens.Count && id < VocabSize)
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(SpecialTokenTexts[id - tokens.Count]));
            }
            else
            {
                throw new ArgumentOutOfRangeException(nameof(ids), id, $"Token id {id} is outside this tokenizer's vocabulary of {VocabSize} ids.");
            }
        }
        return Encoding.UTF8.GetString([.. bytes]);
    }

    /// <summary>
    /// Writes tokenizer.json (Hugging Face format: BPE model, byte-level pre-tokenizer and decoder, special
    /// tokens as added tokens) and tokenizer_config.json into <paramref name="directory"/>, creating it.
    /// </summary>
    public void WriteTo(string directory)
    {
        Directory.CreateDirectory(directory);
        TokenizerJsonWriter.Write(Path.Combine(directory, "tokenizer.json"), tokens, merges, SpecialTokenTexts);
        TokenizerJsonWriter.WriteConfig(Path.Combine(directory, "tokenizer_config.json"), tokens.Count, SpecialTokenTexts);
    }

    private void EncodeOrdinaryText(string text, List<int> ids, Dictionary<string, int[]> idsByWord)
    {
        if (text.Length == 0)
        {
            return;
        }
        foreach (var word in GptPreTokenizer.Split(text))
        {
            if (!idsByWord.TryGetValue(word, out var wordIds))
            {
                wordIds = MergeWord(Encoding.UTF8.GetBytes(word));
                idsByWord.Add(word, wordIds);
            }
            ids.AddRange(wordIds);
        }
    }

    /// <summary>Applies the lowest-ranked applicable merge, at every occurrence left to right, until none applies.</summary>
    private int[] MergeWord(byte[] wordBytes)
    {
        var symbols = wordBytes.Select(value => (int)value).ToList();
        while (symbols.Count > 1)
        {
            var best = (Rank: int.MaxValue, MergedId: -1, Left: -1, Right: -1);
            for (var i = 0; i + 1 < symbols.Count; i++)
            {
                if (mergeByPair.TryGetValue(PairKey(symbols[i], symbols[i + 1]), out var merge) && merge.Rank < best.Rank)
                {
                    best = (merge.Rank, merge.MergedId, symbols[i], symbols[i + 1]);
                }
            }
            if (best.MergedId < 0)
            {
                break;
            }
            var merged = new List<int>(symbols.Count);
            for (var i = 0; i < symbols.Count; i++)
            {
                if (i + 1 < symbols.Count && symbols[i] == best.Left && symbols[i + 1] == best.Right)
                {
                    merged.Add(best.MergedId);
                    i++;
                }
                else
                {
                    merged.Add(symbols[i]);
                }
            }
            symbols = merged;
        }
        return [.. symbols];
    }

    private static long PairKey(int left, int right) => ((long)left << 32) | (uint)right;

    private static ByteLevelBpeTokenizer TrainDefault()
    {
        using var stream = typeof(ByteLevelBpeTokenizer).Assembly.GetManifestResourceStream(TrainingSampleResource)
            ?? throw new InvalidOperationException($"The embedded resource {TrainingSampleResource} is missing from {typeof(ByteLevelBpeTokenizer).Assembly.GetName().Name}; the project file must embed it.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        // A checkout with CRLF line endings must train the same tokenizer as one with LF.
        var sample = reader.ReadToEnd().ReplaceLineEndings("\n");
        return Train([sample], DefaultVocabSize);
    }
}
