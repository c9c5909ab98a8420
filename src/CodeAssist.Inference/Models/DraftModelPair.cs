using System.Text.Json;
using System.Text.Json.Nodes;

namespace CodeAssist.Inference.Models;

/// <summary>
/// A model and the draft model that proposes tokens for it. GenAI verifies the draft's tokens by id, so the pair only
/// works when both read text the same way: the same vocabulary (every token and id, and the same logits width) and
/// the same special tokens (FIM markers, end of text). A draft that agrees on fewer ids would be slower than none,
/// and one with other ids would propose nonsense the model rejects; both are refused with the difference named.
/// </summary>
public static class DraftModelPair
{
    /// <summary>Every reason <paramref name="draft"/> cannot draft for the model in <paramref name="target"/>; empty when it can.</summary>
    public static IReadOnlyList<string> Incompatibilities(string target, string draft)
    {
        var problems = new List<string>();
        var (targetVocabulary, targetVocabularyError) = ReadVocabulary(target);
        var (draftVocabulary, draftVocabularyError) = ReadVocabulary(draft);
        if ((targetVocabularyError ?? draftVocabularyError) is { } unreadable)
        {
            problems.Add(unreadable);
            return problems;
        }
        var (targetConfig, draftConfig) = (ReadModelSection(target), ReadModelSection(draft));
        var (targetSize, draftSize) = (IntOf(targetConfig, "vocab_size"), IntOf(draftConfig, "vocab_size"));
        if (targetSize != draftSize)
            problems.Add($"the draft's logits have {draftSize?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "an unknown number of"} entries (vocab_size in {ModelFolder.GenAiConfigFile}) but the model's have {targetSize?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "an unknown number"}; pair models of one family that share a tokenizer");

        var differing = targetVocabulary!.Tokens.Where(t => !draftVocabulary!.Tokens.TryGetValue(t.Key, out var id) || id != t.Value).Select(t => t.Key)
            .Concat(draftVocabulary!.Tokens.Keys.Where(k => !targetVocabulary.Tokens.ContainsKey(k))).Distinct(StringComparer.Ordinal).ToList();
        if (differing.Count > 0)
            problems.Add($"the draft's vocabulary differs from the model's in {differing.Count} token(s) (for example {Quote(differing[0])}); the draft must use the same {ModelFolder.TokenizerFile}");

        var specialDifferences = targetVocabulary.Special.Keys.Union(draftVocabulary.Special.Keys, StringComparer.Ordinal)
            .Where(k => !targetVocabulary.Special.TryGetValue(k, out var a) || !draftVocabulary.Special.TryGetValue(k, out var b) || a != b).ToList();
        foreach (var name in new[] { "eos_token_id", "bos_token_id", "pad_token_id" })
        {
            if (!JsonNode.DeepEquals(targetConfig?[name], draftConfig?[name]))
                specialDifferences.Add(name);
        }
        if (specialDifferences.Count > 0)
            problems.Add($"the draft's special tokens differ from the model's ({string.Join(", ", specialDifferences.Take(5).Select(Quote))}); the draft must use the same special tokens");
        return problems;
    }

    /// <summary>
    /// The genai_config.json overlay that makes GenAI load <paramref name="draft"/> as the model's draft decoder: the
    /// draft's own decoder block, its file named relative to the model's folder (GenAI resolves it from there).
    /// </summary>
    public static JsonObject DraftOverlay(string target, string draft)
    {
        var decoder = ReadModelSection(draft)?["decoder"]?.DeepClone().AsObject()
            ?? throw new ModelFolderException(draft, [$"{ModelFolder.GenAiConfigFile} in {draft} has no model.decoder section"]);
        var file = decoder["filename"]?.GetValue<string>()
            ?? throw new ModelFolderException(draft, [$"{ModelFolder.GenAiConfigFile} in {draft} names no model.decoder.filename"]);
        decoder["filename"] = Path.GetRelativePath(target, Path.Combine(draft, file));
        return new JsonObject { ["model"] = new JsonObject { ["draft"] = decoder } };
    }

    private sealed record Vocabulary(Dictionary<string, int> Tokens, Dictionary<string, int> Special);

    private static (Vocabulary? Vocabulary, string? Error) ReadVocabulary(string folder)
    {
        var path = Path.Combine(folder, ModelFolder.TokenizerFile);
        try
        {
            using var stream = File.OpenRead(path);
            using var document = JsonDocument.Parse(stream);
            var tokens = new Dictionary<string, int>(StringComparer.Ordinal);
            var special = new Dictionary<string, int>(StringComparer.Ordinal);
            if (document.RootElement.TryGetProperty("model", out var model) && model.ValueKind == JsonValueKind.Object
                && model.TryGetProperty("vocab", out var vocab))
            {
                if (vocab.ValueKind == JsonValueKind.Object)
                {
                    foreach (var entry in vocab.EnumerateObject())
                    {
                        if (entry.Value.TryGetInt32(out var id))
                            tokens[entry.Name] = id;
                    }
                }
                // SentencePiece-style (Unigram) vocabularies are arrays of [piece, score]: the id is the position.
                if (vocab.ValueKind == JsonValueKind.Array)
                {
                    var id = 0;
                    foreach (var entry in vocab.EnumerateArray())
                    {
                        if (entry.ValueKind == JsonValueKind.Array && entry.GetArrayLength() > 0 && entry[0].ValueKind == JsonValueKind.String)
                            tokens[entry[0].GetString()!] = id;
                        id++;
                    }
                }
            }
            if (document.RootElement.TryGetProperty("added_tokens", out var added) && added.ValueKind == JsonValueKind.Array)
            {
                foreach (var token in added.EnumerateArray())
                {
                    if (token.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String && token.TryGetProperty("id", out var id) && id.TryGetInt32(out var value))
                    {
                        tokens[content.GetString()!] = value;
                        if (token.TryGetProperty("special", out var isSpecial) && isSpecial.ValueKind == JsonValueKind.True)
                            special[content.GetString()!] = value;
                    }
                }
            }
            return (new Vocabulary(tokens, special), null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return (null, $"{ModelFolder.TokenizerFile} in {folder} cannot be read ({e.Message}); copy the model folder again");
        }
    }

    private static JsonObject? ReadModelSection(string folder)
    {
        try
        {
            return JsonNode.Parse(File.ReadAllText(Path.Combine(folder, ModelFolder.GenAiConfigFile)))?["model"] as JsonObject;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }

    private static int? IntOf(JsonObject? section, string name) =>
        section?[name] is JsonValue value && value.TryGetValue<int>(out var number) ? number : null;

    private static string Quote(string token) => JsonSerializer.Serialize(token);
}
