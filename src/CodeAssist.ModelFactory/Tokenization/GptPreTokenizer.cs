using System.Text.RegularExpressions;

namespace CodeAssist.ModelFactory.Tokenization;

/// <summary>
/// Splits text into the words BPE works within, with GPT-2's pattern: English contractions, letters, digits and
/// other symbols each with at most one leading space, then runs of whitespace (leaving the last space of a run
/// to the word after it). This is what tokenizer.json's ByteLevel pre-tokenizer with use_regex does, so the
/// C# encoder and GenAI's tokenizer see the same words.
/// </summary>
internal static partial class GptPreTokenizer
{
    public static List<string> Split(string text)
    {
        var words = new List<string>();
        foreach (var match in WordPattern().EnumerateMatches(text))
        {
            words.Add(text.Substring(match.Index, match.Length));
        }
        return words;
    }

    /// <summary>
    /// Where the word holding the character at <paramref name="index"/> starts: a cut there leaves every word
    /// before it whole, so the text before the cut encodes to the same ids as it does inside the whole text.
    /// </summary>
    public static int WordStart(string text, int index)
    {
        var lineStart = index == 0 ? 0 : text.LastIndexOf('\n', index - 1) + 1;
        var lineEnd = text.IndexOf('\n', index);
        var line = text.AsSpan(lineStart, (lineEnd < 0 ? text.Length : lineEnd) - lineStart);
        foreach (var match in WordPattern().EnumerateMatches(line))
        {
            if (lineStart + match.Index + match.Length > index)
                return lineStart + match.Index;
        }
        return index;
    }

    [GeneratedRegex(@"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+", RegexOptions.CultureInvariant)]
    private static partial Regex WordPattern();
}
