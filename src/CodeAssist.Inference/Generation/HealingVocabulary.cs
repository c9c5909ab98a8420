using System.Text;
using System.Text.Json;

namespace CodeAssist.Inference.Generation;

/// <summary>
/// Every token's text, indexed by first character, so that token healing finds the tokens that agree with a healed
/// text without decoding the vocabulary per request. Built once per model from tokenizer.json's byte-level
/// vocabulary (each token's characters stand for bytes, GPT-2's table, read as UTF-8), which is what GenAI's
/// tokenizer decodes a single id to, without a native call per id: for Qwen2.5-Coder's 151,936 ids that is the
/// difference between tens of milliseconds and a third of a second. <see cref="LanguageModel"/> starts the build
/// when the model loads, so the first request does not wait for it. Special tokens and tokens that are not whole
/// characters on their own never heal.
/// </summary>
internal sealed class HealingVocabulary
{
    private static readonly Dictionary<char, byte> ByteByCharacter = BuildByteTable();

    private readonly string[] _texts;
    private readonly Dictionary<char, List<int>> _byFirstCharacter;

    private HealingVocabulary(string[] texts, Dictionary<char, List<int>> byFirstCharacter)
    {
        _texts = texts;
        _byFirstCharacter = byFirstCharacter;
    }

    /// <summary>How many tokens the index covers: the width of the model's logits.</summary>
    public int Size => _texts.Length;

    /// <summary>
    /// Reads model.vocab of a byte-level BPE tokenizer.json. Ids at or past <paramref name="size"/> are ignored; ids the
    /// vocabulary does not name (padding rows of the embedding, added tokens) get no text and never heal.
    /// </summary>
    public static HealingVocabulary FromTokenizerJson(string tokenizerJsonPath, IEnumerable<int> specialTokenIds, int size)
    {
        var special = specialTokenIds.ToHashSet();
        var texts = new string[size];
        Array.Fill(texts, "");
        var json = File.ReadAllBytes(tokenizerJsonPath);
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
        var utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
        var buffer = new byte[256];
        if (SeekVocabulary(ref reader))
        {
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var token = reader.GetString()!;
                if (!reader.Read() || reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out var id))
                {
                    reader.Skip();
                    continue;
                }
                if (id < 0 || id >= size || special.Contains(id))
                    continue;
                if (buffer.Length < token.Length)
                    buffer = new byte[token.Length * 2];
                var length = 0;
                var byteLevel = true;
                foreach (var character in token)
                {
                    if (!ByteByCharacter.TryGetValue(character, out var value))
                    {
                        byteLevel = false;
                        break;
                    }
                    buffer[length++] = value;
                }
                if (!byteLevel)
                    continue;
                try
                {
                    texts[id] = utf8.GetString(buffer, 0, length);
                }
                catch (DecoderFallbackException)
                {
                    // Part of a character: it only means something next to the tokens that complete it.
                }
            }
        }
        var byFirst = new Dictionary<char, List<int>>();
        for (var id = 0; id < size; id++)
        {
            if (texts[id].Length == 0)
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

    private static bool SeekVocabulary(ref Utf8JsonReader reader)
    {
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            return false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (!reader.ValueTextEquals("model"u8))
            {
                reader.Read();
                reader.Skip();
                continue;
            }
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                return false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isVocabulary = reader.ValueTextEquals("vocab"u8);
                reader.Read();
                if (isVocabulary)
                    return reader.TokenType == JsonTokenType.StartObject;
                reader.Skip();
            }
            return false;
        }
        return false;
    }

    /// <summary>GPT-2's byte-to-character table (printable Latin-1 bytes stand for themselves, the rest from U+0100).</summary>
    private static Dictionary<char, byte> BuildByteTable()
    {
        var table = new Dictionary<char, byte>(256);
        var nextSubstitute = 256;
        for (var value = 0; value < 256; value++)
        {
            var printable = value is >= '!' and <= '~' or >= '¡' and <= '¬' or >= '®' and <= 'ÿ';
            table[printable ? (char)value : (char)nextSubstitute++] = (byte)value;
        }
        return table;
    }
}
