using System.Text;
using CodeAssist.ModelFactory.Tokenization;

namespace CodeAssist.ModelFactory;

/// <summary>
/// A byte-level BPE tokenizer: regular ids are byte-level tokens (the 256 bytes, then merged tokens, then, in
/// layouts that pad, reserved tokens no merge produces), followed by the layout's added tokens (<see
/// cref="TokenizerLayout"/>). <see cref="Encode"/> is the reference C# encoder, meant to agree id for id with the
/// tokenizer GenAI builds from the tokenizer.json that <see cref="WriteTo"/> writes. Instances are immutable, so
/// one tokenizer can encode on many threads at once.
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

    /// <summary>Trained (merged) tokens of <see cref="QwenCoder"/>; the rest of its 151,643 regular ids are reserved.</summary>
    public const int QwenCoderTrainedTokens = 4096;

    /// <summary>Trained (merged) tokens of <see cref="DeepSeekCoder"/>; the rest of its 32,000 regular ids are reserved.</summary>
    public const int DeepSeekCoderTrainedTokens = 4096;

    /// <summary>DeepSeek-Coder's FIM markers and end of sentence, spelled with the full-width bar ｜ (U+FF5C) and ▁ (U+2581).</summary>
    public const string DeepSeekFimBegin = "<｜fim▁begin｜>";
    public const string DeepSeekFimHole = "<｜fim▁hole｜>";
    public const string DeepSeekFimEnd = "<｜fim▁end｜>";
    public const string DeepSeekBeginOfSentence = "<｜begin▁of▁sentence｜>";
    public const string DeepSeekEndOfSentence = "<｜end▁of▁sentence｜>";

    private const string TrainingSampleResource = "CodeAssist.ModelFactory.CSharpTokenizerSample.txt";

    private static readonly Lazy<ByteLevelBpeTokenizer> DefaultTokenizer =
        new(() => Train([ReadTrainingSample()], TokenizerLayout.CodeAssist, DefaultVocabSize - TokenizerLayout.CodeAssist.AddedTokens.Count));
    private static readonly Lazy<ByteLevelBpeTokenizer> QwenCoderTokenizer =
        new(() => Train([ReadTrainingSample()], TokenizerLayout.QwenCoder, QwenCoderTrainedTokens));
    private static readonly Lazy<ByteLevelBpeTokenizer> DeepSeekCoderTokenizer =
        new(() => Train([ReadTrainingSample()], TokenizerLayout.DeepSeekCoder, DeepSeekCoderTrainedTokens));
    private static readonly Lazy<ByteLevelBpeTokenizer> DeepSeekCoderReadableTokenizer =
        new(() => Train([ReadTrainingSample()], TokenizerLayout.DeepSeekCoderReadableByGenAi, DeepSeekCoderTrainedTokens));

    private readonly IReadOnlyList<string> _tokens;
    private readonly IReadOnlyList<(int Left, int Right)> _merges;
    private readonly byte[][] _bytesById;
    private readonly Dictionary<long, (int Rank, int MergedId)> _mergeByPair = [];
    private readonly string[] _addedTexts;
    private readonly char[] _addedFirstCharacters;

    private ByteLevelBpeTokenizer(TokenizerLayout layout, IReadOnlyList<string> tokens, IReadOnlyList<(int Left, int Right)> merges)
    {
        Layout = layout;
        _tokens = tokens;
        _merges = merges;
        _bytesById = [.. tokens.Select(ByteLevelAlphabet.Decode)];
        var idByToken = new Dictionary<string, int>(tokens.Count, StringComparer.Ordinal);
        for (var id = 0; id < tokens.Count; id++)
        {
            idByToken.Add(tokens[id], id);
        }
        for (var rank = 0; rank < merges.Count; rank++)
        {
            var (left, right) = merges[rank];
            _mergeByPair.Add(PairKey(left, right), (rank, idByToken[tokens[left] + tokens[right]]));
        }
        _addedTexts = [.. layout.AddedTokens.Select(token => token.Content)];
        _addedFirstCharacters = [.. _addedTexts.Select(text => text[0]).Distinct()];
    }

    /// <summary>
    /// Trained on a C# sample embedded in this assembly, with <see cref="DefaultVocabSize"/> ids: the tokenizer
    /// of every random and scripted model, so that they share one vocabulary and one prompt format.
    /// </summary>
    public static ByteLevelBpeTokenizer Default => DefaultTokenizer.Value;

    /// <summary>
    /// Qwen2.5-Coder's layout (<see cref="TokenizerLayout.QwenCoder"/>) over <see cref="QwenCoderTrainedTokens"/>
    /// tokens trained on the same C# sample: 151,665 ids and 151,936 model rows, as the real tokenizer has.
    /// </summary>
    public static ByteLevelBpeTokenizer QwenCoder => QwenCoderTokenizer.Value;

    /// <summary>
    /// DeepSeek-Coder's layout (<see cref="TokenizerLayout.DeepSeekCoder"/>: its Sequence of Splits and Digits) over
    /// <see cref="DeepSeekCoderTrainedTokens"/> tokens trained on the same C# sample: 32,022 ids and 32,256 model rows,
    /// the FIM markers at 32,015–32,017 as in the real tokenizer. Unlike the real vocabulary, ours keeps all 256 bytes as
    /// regular ids 0–255 (our encoder's invariant), so the 13 bytes UTF-8 never uses are there twice: as regular ids no
    /// text encodes to, and as the real added tokens 32,000–32,012.
    /// </summary>
    public static ByteLevelBpeTokenizer DeepSeekCoder => DeepSeekCoderTokenizer.Value;

    /// <summary>
    /// <see cref="TokenizerLayout.DeepSeekCoderReadableByGenAi"/> trained the same way: DeepSeek-Coder's ids, markers and
    /// configs with a pre-tokenizer GenAI 0.18 reads (GenAI refuses the real one), for tests through GenAI.
    /// </summary>
    public static ByteLevelBpeTokenizer DeepSeekCoderReadableByGenAi => DeepSeekCoderReadableTokenizer.Value;

    public TokenizerLayout Layout { get; }

    /// <summary>The added tokens' spellings in id order: end of text, FIM and repository markers, chat turns.</summary>
    public IReadOnlyList<string> SpecialTokens => _addedTexts;

    /// <summary>Ids the tokenizer can produce or decode: regular tokens plus added tokens.</summary>
    public int TokenCount => _tokens.Count + _addedTexts.Length;

    /// <summary>The logits width a model for this tokenizer needs: <see cref="TokenCount"/>, or the layout's padded embedding rows.</summary>
    public int VocabSize => Layout.EmbeddingRows ?? TokenCount;

    /// <summary>The byte-level tokens, ids 0 to this count − 1; the special tokens follow.</summary>
    internal int RegularTokenCount => _tokens.Count;

    /// <summary>The bytes a regular token stands for (a graph's per-token tables are built from them).</summary>
    internal IReadOnlyList<byte> BytesOf(int id) => _bytesById[id];

    /// <summary>
    /// Learns merges from <paramref name="texts"/> until the vocabulary, special tokens included, has
    /// <paramref name="vocabSize"/> ids, or fewer when the texts run out of pairs to merge. Deterministic:
    /// the same texts in the same order always give the same tokenizer.
    /// </summary>
    public static ByteLevelBpeTokenizer Train(IEnumerable<string> texts, int vocabSize)
    {
        var added = TokenizerLayout.CodeAssist.AddedTokens.Count;
        var minimum = 256 + added;
        if (vocabSize < minimum)
        {
            throw new ArgumentOutOfRangeException(
                nameof(vocabSize), vocabSize, $"A byte-level vocabulary needs at least {minimum} ids: 256 bytes and {added} special tokens.");
        }
        return Train(texts, TokenizerLayout.CodeAssist, vocabSize - added);
    }

    /// <summary>
    /// Learns up to <paramref name="trainedTokens"/> regular tokens with the layout's pre-tokenizer, then pads the
    /// regular ids with reserved tokens to the layout's count so that its added tokens get their real ids.
    /// Reserved tokens are a letter and digits ("q1234"), which no word of a byte-level pattern ever holds, so
    /// no text encodes to them; they decode like any other token.
    /// </summary>
    public static ByteLevelBpeTokenizer Train(IEnumerable<string> texts, TokenizerLayout layout, int trainedTokens)
    {
        var result = BytePairTrainer.Train(texts, trainedTokens, layout.Split);
        var tokens = result.Tokens.ToList();
        if (layout.RegularTokenCount is { } count)
        {
            var taken = tokens.ToHashSet(StringComparer.Ordinal);
            for (var index = 0; tokens.Count < count; index++)
            {
                var reserved = $"{(char)('a' + index % 26)}{index / 26}";
                if (taken.Add(reserved))
                    tokens.Add(reserved);
            }
        }
        return new ByteLevelBpeTokenizer(layout, tokens, result.Merges);
    }

    /// <summary>
    /// Reads back a tokenizer.json that <see cref="WriteTo"/> wrote for the CodeAssist layout (a shipped model folder's
    /// own vocabulary and merges), so a model can be trained further without the corpus its tokenizer was trained on.
    /// </summary>
    public static ByteLevelBpeTokenizer ReadFrom(string directory)
    {
        var path = Path.Combine(directory, "tokenizer.json");
        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(path));
        var model = json.RootElement.GetProperty("model");
        var vocabulary = model.GetProperty("vocab").EnumerateObject().OrderBy(entry => entry.Value.GetInt32()).ToList();
        if (vocabulary.Where((entry, index) => entry.Value.GetInt32() != index).Any())
        {
            throw new InvalidDataException($"{path}: the vocabulary's ids are not 0 to {vocabulary.Count - 1}; it was not written by ModelFactory.");
        }
        var tokens = vocabulary.Select(entry => entry.Name).ToList();
        var idByToken = tokens.Select((token, id) => (token, id)).ToDictionary(pair => pair.token, pair => pair.id, StringComparer.Ordinal);
        var merges = model.GetProperty("merges").EnumerateArray().Select(merge =>
        {
            var parts = merge.GetString()!.Split(' ');
            return (idByToken[parts[0]], idByToken[parts[1]]);
        }).ToList();
        var added = json.RootElement.GetProperty("added_tokens").EnumerateArray().Select(token => token.GetProperty("content").GetString()).ToList();
        var layout = TokenizerLayout.CodeAssist;
        if (!added.SequenceEqual(layout.AddedTokens.Select(token => token.Content)))
        {
            throw new InvalidDataException($"{path}: the added tokens are not the {layout.Name} layout's ({string.Join(" ", added)}).");
        }
        return new ByteLevelBpeTokenizer(layout, tokens, merges);
    }

    public int TokenId(string specialToken)
    {
        var index = Array.IndexOf(_addedTexts, specialToken);
        return index >= 0
            ? _tokens.Count + index
            : throw new ArgumentException(
                $"'{specialToken}' is not an added token of the {Layout.Name} layout; they are {string.Join(" ", _addedTexts)}.", nameof(specialToken));
    }

    /// <summary>
    /// Encodes as Hugging Face tokenizers (and GenAI) do: special token spellings become their single ids, the
    /// text between them is split by the layout's pre-tokenizer (<see cref="TokenizerLayout.Split"/>) and each word is
    /// byte-pair merged, lowest merge rank first. No begin-of-sentence id is added, whatever the layout's
    /// tokenizer_config.json says: GenAI adds it for DeepSeek-Coder (add_bos_token).
    /// </summary>
    public IReadOnlyList<int> Encode(string text)
    {
        var ids = new List<int>();
        var idsByWord = new Dictionary<string, int[]>(StringComparer.Ordinal);
        var segmentStart = 0;
        var searchFrom = 0;
        while (searchFrom < text.Length)
        {
            var candidate = text.IndexOfAny(_addedFirstCharacters, searchFrom);
            if (candidate < 0)
            {
                break;
            }
            var added = -1;
            for (var index = 0; index < _addedTexts.Length; index++)
            {
                // The longest spelling wins where one added token is a prefix of another, as in Hugging Face's matcher.
                if (text.AsSpan(candidate).StartsWith(_addedTexts[index], StringComparison.Ordinal)
                    && (added < 0 || _addedTexts[index].Length > _addedTexts[added].Length))
                {
                    added = index;
                }
            }
            if (added < 0)
            {
                searchFrom = candidate + 1;
                continue;
            }
            EncodeOrdinaryText(text[segmentStart..candidate], ids, idsByWord);
            ids.Add(_tokens.Count + added);
            segmentStart = searchFrom = candidate + _addedTexts[added].Length;
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
            if (id >= 0 && id < _tokens.Count)
            {
                bytes.AddRange(_bytesById[id]);
            }
            else if (id >= _tokens.Count && id < TokenCount)
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(_addedTexts[id - _tokens.Count]));
            }
            else
            {
                throw new ArgumentOutOfRangeException(nameof(ids), id, $"Token id {id} is outside this tokenizer's vocabulary of {TokenCount} ids.");
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
        TokenizerJsonWriter.Write(Path.Combine(directory, "tokenizer.json"), Layout, _tokens, _merges);
        TokenizerJsonWriter.WriteConfig(Path.Combine(directory, "tokenizer_config.json"), Layout, _tokens.Count);
    }

    private void EncodeOrdinaryText(string text, List<int> ids, Dictionary<string, int[]> idsByWord)
    {
        if (text.Length == 0)
        {
            return;
        }
        if (Layout.NfcNormalizer)
        {
            text = text.Normalize(NormalizationForm.FormC);
        }
        foreach (var word in Layout.Split(text))
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
                if (_mergeByPair.TryGetValue(PairKey(symbols[i], symbols[i + 1]), out var merge) && merge.Rank < best.Rank)
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

    private static string ReadTrainingSample()
    {
        using var stream = typeof(ByteLevelBpeTokenizer).Assembly.GetManifestResourceStream(TrainingSampleResource)
            ?? throw new InvalidOperationException(
                $"The embedded resource {TrainingSampleResource} is missing from {typeof(ByteLevelBpeTokenizer).Assembly.GetName().Name}; " +
                "the project file must embed it.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        // A checkout with CRLF line endings must train the same tokenizer as one with LF.
        return reader.ReadToEnd().ReplaceLineEndings("\n");
    }
}
