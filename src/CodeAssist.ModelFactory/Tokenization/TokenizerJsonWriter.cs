using System.Text.Json;

namespace CodeAssist.ModelFactory.Tokenization;

/// <summary>
/// Writes a byte-level BPE tokenizer in the Hugging Face tokenizers format that GenAI's tokenizer (ONNX Runtime
/// Extensions) reads: tokenizer.json holds the model, tokenizer_config.json names the tokenizer class and the
/// end-of-text token.
/// </summary>
internal static class TokenizerJsonWriter
{
    /// <summary>
    /// GPT2Tokenizer selects GPT-2's pre-tokenization pattern and adds no beginning-of-text token, which is what
    /// <see cref="GptPreTokenizer"/> and <see cref="ByteLevelBpeTokenizer.Encode"/> do.
    /// </summary>
    private const string TokenizerClass = "GPT2Tokenizer";

    public static void Write(string path, IReadOnlyList<string> tokens, IReadOnlyList<(int Left, int Right)> merges, IReadOnlyList<string> specialTokens) =>
        JsonFileWriter.Write(path, json =>
        {
            json.WriteStartObject();
            json.WriteString("version", "1.0");
            json.WriteNull("truncation");
            json.WriteNull("padding");
            json.WriteStartArray("added_tokens");
            for (var index = 0; index < specialTokens.Count; index++)
            {
                json.WriteStartObject();
                json.WriteNumber("id", tokens.Count + index);
                json.WriteString("content", specialTokens[index]);
                json.WriteBoolean("single_word", false);
                json.WriteBoolean("lstrip", false);
                json.WriteBoolean("rstrip", false);
                json.WriteBoolean("normalized", false);
                json.WriteBoolean("special", true);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteNull("normalizer");
            WriteByteLevelComponent(json, "pre_tokenizer");
            WriteByteLevelComponent(json, "post_processor");
            WriteByteLevelComponent(json, "decoder");
            json.WriteStartObject("model");
            json.WriteString("type", "BPE");
            json.WriteNull("dropout");
            json.WriteNull("unk_token");
            json.WriteNull("continuing_subword_prefix");
            json.WriteNull("end_of_word_suffix");
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

    public static void WriteConfig(string path, int firstSpecialId, IReadOnlyList<string> specialTokens) =>
        JsonFileWriter.Write(path, json =>
        {
            json.WriteStartObject();
            json.WriteBoolean("add_bos_token", false);
            json.WriteBoolean("add_eos_token", false);
            json.WriteBoolean("add_prefix_space", false);
            json.WriteStartObject("added_tokens_decoder");
            for (var index = 0; index < specialTokens.Count; index++)
            {
                json.WriteStartObject((firstSpecialId + index).ToString(System.Globalization.CultureInfo.InvariantCulture));
                json.WriteString("content", specialTokens[index]);
                json.WriteBoolean("lstrip", false);
                json.WriteBoolean("normalized", false);
                json.WriteBoolean("rstrip", false);
                json.WriteBoolean("single_word", false);
                json.WriteBoolean("special", true);
                json.WriteEndObject();
            }
            json.WriteEndObject();
            json.WriteStartArray("additional_special_tokens");
            foreach (var token in specialTokens.Where(token => token != ByteLevelBpeTokenizer.EndOfText))
            {
                json.WriteStringValue(token);
            }
            json.WriteEndArray();
            json.WriteString("bos_token", ByteLevelBpeTokenizer.EndOfText);
            json.WriteString("eos_token", ByteLevelBpeTokenizer.EndOfText);
            json.WriteString("pad_token", ByteLevelBpeTokenizer.EndOfText);
            json.WriteString("unk_token", ByteLevelBpeTokenizer.EndOfText);
            json.WriteBoolean("clean_up_tokenization_spaces", false);
            json.WriteString("errors", "replace");
            json.WriteNumber("model_max_length", 32768);
            json.WriteBoolean("split_special_tokens", false);
            json.WriteString("tokenizer_class", TokenizerClass);
            json.WriteEndObject();
        });

    private static void WriteByteLevelComponent(Utf8JsonWriter json, string component)
    {
        json.WriteStartObject(component);
        json.WriteString("type", "ByteLevel");
        json.WriteBoolean("add_prefix_space", false);
        json.WriteBoolean("trim_offsets", false);
        json.WriteBoolean("use_regex", true);
        json.WriteEndObject();
    }
}
