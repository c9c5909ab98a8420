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
                json.WriteBoolean("normalized", layout.AddedTokens[index].Normalized);
                json.WriteBoolean("special", layout.AddedTokens[index].Special);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            switch (layout.Style)
            {
                case TokenizerStyle.Qwen2:
                    json.WriteStartObject("normalizer");
                    json.WriteString("type", "NFC");
                    json.WriteEndObject();
                    break;
                case TokenizerStyle.DeepSeekCoder:
                    // LlamaTokenizerFast's file keeps an empty normalizer Sequence.
                    json.WriteStartObject("normalizer");
                    json.WriteString("type", "Sequence");
                    json.WriteStartArray("normalizers");
                    json.WriteEndArray();
                    json.WriteEndObject();
                    break;
                default:
                    json.WriteNull("normalizer");
                    break;
            }
            if (layout.SplitPatterns.Count > 0 || layout.IndividualDigits)
            {
                json.WriteStartObject("pre_tokenizer");
                json.WriteString("type", "Sequence");
                json.WriteStartArray("pretokenizers");
                foreach (var pattern in layout.SplitPatterns)
                {
                    json.WriteStartObject();
                    json.WriteString("type", "Split");
                    json.WriteStartObject("pattern");
                    json.WriteString("Regex", pattern);
                    json.WriteEndObject();
                    json.WriteString("behavior", "Isolated");
                    json.WriteBoolean("invert", false);
                    json.WriteEndObject();
                }
                if (layout.IndividualDigits)
                {
                    json.WriteStartObject();
                    json.WriteString("type", "Digits");
                    json.WriteBoolean("individual_digits", true);
                    json.WriteEndObject();
                }
                WriteByteLevelComponent(json, null, useRegex: layout.ByteLevelRegex, trimOffsets: layout.Style == TokenizerStyle.DeepSeekCoder);
                json.WriteEndArray();
                json.WriteEndObject();
            }
            else
            {
                WriteByteLevelComponent(json, "pre_tokenizer", useRegex: true);
            }
            if (layout.Style == TokenizerStyle.DeepSeekCoder)
            {
                var bosId = tokens.Count + layout.AddedTokens.Select(token => token.Content).ToList().IndexOf(layout.BosToken!);
                WriteBeginOfTextTemplate(json, layout.BosToken!, bosId);
                WriteByteLevelComponent(json, "decoder", useRegex: true, trimOffsets: true, addPrefixSpace: true);
            }
            else
            {
                WriteByteLevelComponent(json, "post_processor", useRegex: layout.Style == TokenizerStyle.Gpt2);
                WriteByteLevelComponent(json, "decoder", useRegex: layout.Style == TokenizerStyle.Gpt2);
            }
            json.WriteStartObject("model");
            json.WriteString("type", "BPE");
            json.WriteNull("dropout");
            json.WriteNull("unk_token");
            if (layout.Style == TokenizerStyle.Qwen2)
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
            if (layout.Style != TokenizerStyle.DeepSeekCoder)
            {
                // DeepSeek-Coder's file predates the field.
                json.WriteBoolean("ignore_merges", false);
            }
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

    /// <summary>
    /// DeepSeek-Coder's post-processor: the begin-of-sentence token before every sequence (and before the second of a
    /// pair), as LlamaTokenizerFast writes it for add_bos_token.
    /// </summary>
    private static void WriteBeginOfTextTemplate(Utf8JsonWriter json, string bos, int bosId)
    {
        void Special(string id)
        {
            json.WriteStartObject();
            json.WriteStartObject("SpecialToken");
            json.WriteString("id", id);
            json.WriteNumber("type_id", 0);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        void Sequence(string id, int typeId)
        {
            json.WriteStartObject();
            json.WriteStartObject("Sequence");
            json.WriteString("id", id);
            json.WriteNumber("type_id", typeId);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        json.WriteStartObject("post_processor");
        json.WriteString("type", "TemplateProcessing");
        json.WriteStartArray("single");
        Special(bos);
        Sequence("A", 0);
        json.WriteEndArray();
        json.WriteStartArray("pair");
        Special(bos);
        Sequence("A", 0);
        Special(bos);
        Sequence("B", 1);
        json.WriteEndArray();
        json.WriteStartObject("special_tokens");
        json.WriteStartObject(bos);
        json.WriteString("id", bos);
        json.WriteStartArray("ids");
        json.WriteNumberValue(bosId);
        json.WriteEndArray();
        json.WriteStartArray("tokens");
        json.WriteStringValue(bos);
        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteEndObject();
    }

    public static void WriteConfig(string path, TokenizerLayout layout, int firstAddedId) =>
        JsonFileWriter.Write(path, json =>
        {
            json.WriteStartObject();
            if (layout.Style == TokenizerStyle.DeepSeekCoder)
            {
                WriteDeepSeekConfig(json, layout);
                json.WriteEndObject();
                return;
            }
            var qwen = layout.Style == TokenizerStyle.Qwen2;
            json.WriteBoolean("add_bos_token", false);
            if (!qwen)
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
            foreach (var token in layout.AddedTokens.Where(token => token.Content != layout.EosToken && (token.Special || !qwen)))
            {
                json.WriteStringValue(token.Content);
            }
            json.WriteEndArray();
            if (layout.BosToken is null)
                json.WriteNull("bos_token");
            else
                json.WriteString("bos_token", layout.BosToken);
            if (qwen)
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

    /// <summary>
    /// DeepSeek-Coder's tokenizer_config.json (an older transformers' format): add_bos_token true, the begin, end and
    /// padding tokens as AddedToken objects (padding is the end of sentence), no unknown token, 16,384 positions.
    /// </summary>
    private static void WriteDeepSeekConfig(Utf8JsonWriter json, TokenizerLayout layout)
    {
        void Token(string name, string content)
        {
            json.WriteStartObject(name);
            json.WriteString("__type", "AddedToken");
            json.WriteString("content", content);
            json.WriteBoolean("lstrip", false);
            json.WriteBoolean("normalized", true);
            json.WriteBoolean("rstrip", false);
            json.WriteBoolean("single_word", false);
            json.WriteEndObject();
        }
        json.WriteBoolean("add_bos_token", true);
        json.WriteBoolean("add_eos_token", false);
        Token("bos_token", layout.BosToken!);
        json.WriteBoolean("clean_up_tokenization_spaces", false);
        Token("eos_token", layout.EosToken);
        json.WriteBoolean("legacy", true);
        json.WriteNumber("model_max_length", 16384);
        Token("pad_token", layout.EosToken);
        json.WriteStartObject("sp_model_kwargs");
        json.WriteEndObject();
        json.WriteNull("unk_token");
        json.WriteString("tokenizer_class", layout.TokenizerClass);
    }

    private static void WriteByteLevelComponent(Utf8JsonWriter json, string? component, bool useRegex, bool trimOffsets = false, bool addPrefixSpace = false)
    {
        if (component is null)
            json.WriteStartObject();
        else
            json.WriteStartObject(component);
        json.WriteString("type", "ByteLevel");
        json.WriteBoolean("add_prefix_space", addPrefixSpace);
        json.WriteBoolean("trim_offsets", trimOffsets);
        json.WriteBoolean("use_regex", useRegex);
        json.WriteEndObject();
    }
}
