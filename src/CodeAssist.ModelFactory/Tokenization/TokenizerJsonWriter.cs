using System.Globalization;
using System.Text.Json;

namespace CodeAssist.ModelFactory.Tokenization;

/// <summary>
/// Writes a byte-level BPE tokenizer in the Hugging Face tokenizers format that GenAI's tokenizer (ONNX Runtime
/// Extensions) reads: tokenizer.json holds the model, tokenizer_config.json names the tokenizer class and the
/// end-of-text token. Field order and values follow the files each layout imitates.
/// </summary>
internal static class TokenizerJsonWriter
{
    public static void Write(string path, TokenizerLayout layout, IReadOnlyList<string> tokens, IReadOnlyList<(int Left, int Right)> merges) =>
        JsonFileWriter.Write(path, json =>
        {
            json.WriteStartObject();
            json.WriteString("version", "1.0");
            json.WriteNull("truncation");
            json.WriteNull("padding");
            json.WriteStartArray("added_tokens");
            for (var index = 0; index < layout.AddedTokens.Count; index++)
            {
                json.WriteStartObject();
                json.WriteNumber("id", tokens.Count + index);
                json.WriteString("content", layout.AddedTokens[index].Content);
                json.WriteBoolean("single_word", false);
                json.WriteBoolean("lstrip", false);
                json.WriteBoolean("rstrip", false);
                json.WriteBoolean("normalized", false);
                json.WriteBoolean("special", layout.AddedTokens[index].Special);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            if (layout.NfcNormalizer)
            {
                json.WriteStartObject("normalizer");
                json.WriteString("type", "NFC");
                json.WriteEndObject();
            }
            else
            {
                json.WriteNull("normalizer");
            }
            if (layout.SplitPreTokenizer)
            {
                json.WriteStartObject("pre_tokenizer");
                json.WriteString("type", "Sequence");
                json.WriteStartArray("pretokenizers");
                json.WriteStartObject();
                json.WriteString("type", "Split");
                json.WriteStartObject("pattern");
                json.WriteString("Regex", layout.WordPattern);
                json.WriteEndObject();
                json.WriteString("behavior", "Isolated");
                json.WriteBoolean("invert", false);
                json.WriteEndObject();
                WriteByteLevelComponent(json, null, useRegex: false);
                json.WriteEndArray();
                json.WriteEndObject();
            }
            else
            {
                WriteByteLevelComponent(json, "pre_tokenizer", useRegex: true);
            }
            WriteByteLevelComponent(json, "post_processor", useRegex: !layout.SplitPreTokenizer);
            WriteByteLevelComponent(json, "decoder", useRegex: !layout.SplitPreTokenizer);
            json.WriteStartObject("model");
            json.WriteString("type", "BPE");
            json.WriteNull("dropout");
            json.WriteNull("unk_token");
            if (layout.SplitPreTokenizer)
            {
                // Qwen's file spells the absent prefix and suffix as empty strings rather than null.
                json.WriteString("continuing_subword_prefix", "");
                json.WriteString("end_of_word_suffix", "");
            }
            else
            {
                json.WriteNull("continuing_subword_prefix");
                json.WriteNull("end_of_word_suffix");
            }
            json.WriteBoolean("fuse_unk", false);
            json.WriteBoolean("byte_fallback", false);
            json.WriteBoolean("ignore_merges", false);
            json.WriteStartObject("vocab");
            for (var id = 0; id < tokens.Count; id++)
            {
                json.WriteNumber(tokens[id], id);
            }
            json.WriteEndObject();
            json.WriteStartArray("merges");
            foreach (var (left, right) in merges)
            {
                // Byte-level tokens never contain a space (it is written as "Ġ"), so "left right" is unambiguous.
                json.WriteStringValue($"{tokens[left]} {tokens[right]}");
            }
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndObject();
        });

    public static void WriteConfig(string path, TokenizerLayout layout, int firstAddedId) =>
        JsonFileWriter.Write(path, json =>
        {
            json.WriteStartObject();
            json.WriteBoolean("add_bos_token", false);
            if (!layout.SplitPreTokenizer)
            {
                json.WriteBoolean("add_eos_token", false);
            }
            json.WriteBoolean("add_prefix_space", false);
            json.WriteStartObject("added_tokens_decoder");
            for (var index = 0; index < layout.AddedTokens.Count; index++)
            {
                json.WriteStartObject((firstAddedId + index).ToString(CultureInfo.InvariantCulture));
                json.WriteString("content", layout.AddedTokens[index].Content);
                json.WriteBoolean("lstrip", false);
                json.WriteBoolean("normalized", false);
                json.WriteBoolean("rstrip", false);
                json.WriteBoolean("single_word", false);
                json.WriteBoolean("special", layout.AddedTokens[index].Special);
                json.WriteEndObject();
            }
            json.WriteEndObject();
            json.WriteStartArray("additional_special_tokens");
            // Qwen lists only its "special" added tokens here; ours lists all but the end of text.
            foreach (var token in layout.AddedTokens.Where(token => token.Content != layout.EosToken && (token.Special || !layout.SplitPreTokenizer)))
            {
                json.WriteStringValue(token.Content);
            }
            json.WriteEndArray();
            if (layout.BosToken is null)
                json.WriteNull("bos_token");
            else
                json.WriteString("bos_token", layout.BosToken);
            if (layout.SplitPreTokenizer)
            {
                json.WriteBoolean("clean_up_tokenization_spaces", false);
                json.WriteString("eos_token", layout.EosToken);
                json.WriteString("errors", "replace");
                json.WriteNumber("model_max_length", 32768);
                json.WriteString("pad_token", layout.EosToken);
                json.WriteBoolean("split_special_tokens", false);
                json.WriteString("tokenizer_class", layout.TokenizerClass);
                json.WriteNull("unk_token");
            }
            else
            {
                json.WriteString("eos_token", layout.EosToken);
                json.WriteString("pad_token", layout.EosToken);
                json.WriteString("unk_token", layout.EosToken);
                json.WriteBoolean("clean_up_tokenization_spaces", false);
                json.WriteString("errors", "replace");
                json.WriteNumber("model_max_length", 32768);
                json.WriteBoolean("split_special_tokens", false);
                json.WriteString("tokenizer_class", layout.TokenizerClass);
            }
            json.WriteEndObject();
        });

    private static void WriteByteLevelComponent(Utf8JsonWriter json, string? component, bool useRegex)
    {
        if (component is null)
            json.WriteStartObject();
        else
            json.WriteStartObject(component);
        json.WriteString("type", "ByteLevel");
        json.WriteBoolean("add_prefix_space", false);
        json.WriteBoolean("trim_offsets", false);
        json.WriteBoolean("use_regex", useRegex);
        json.WriteEndObject();
    }
}
