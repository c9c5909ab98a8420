using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace CodeAssist.Inference.Prompts;

/// <summary>
/// The words of a byte-level tokenizer.json's pre-tokenizer, as far as token healing needs them: where the last word
/// of a text starts. Hugging Face's tokenizers run a Sequence's steps in order, each on every piece the steps before it
/// left, never across a piece's edges: DeepSeek-Coder's first Split isolates each newline, its second letters with one
/// space before them, its third punctuation, its fourth CJK and Hangul runs (splitting a " 中文" the letters step
/// took whole), then Digits isolates each digit. Because each step only cuts the pieces it is given, the last word of
/// the text is found by following the last piece through the steps, without splitting the rest. Supported steps: Split
/// (a Regex or String pattern, every behaviour but Removed, invert), Digits, and ByteLevel (its GPT-2 regex when
/// use_regex); anything else, or no step that splits at all, is not healed.
/// </summary>
internal sealed class PreTokenizerWords
{
    /// <summary>GPT-2's pre-tokenizer, what a ByteLevel pre-tokenizer with use_regex applies.</summary>
    private const string Gpt2Words = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    private readonly IReadOnlyList<Step> _steps;

    private PreTokenizerWords(IReadOnlyList<Step> steps) => _steps = steps;

    /// <summary>How a split treats what its pattern matches (tokenizers' SplitDelimiterBehavior).</summary>
    private enum Behavior
    {
        Isolated,
        MergedWithPrevious,
        MergedWithNext,
        Contiguous,
    }

    /// <summary>The steps that cut words, for `model verify`: "Split x4, Digits (each digit)" for DeepSeek-Coder.</summary>
    public string Description =>
        string.Join(", ", _steps.GroupBy(step => step.Name).Select(group => group.Count() > 1 ? $"{group.Key} x{group.Count()}" : group.Key));

    /// <summary>
    /// The words a tokenizer.json pre-tokenizer makes, or null when it is not byte-level, has a step this class does not
    /// know (the cut would be a guess), splits nothing, or has a pattern .NET cannot read.
    /// </summary>
    public static PreTokenizerWords? FromTokenizerJson(JsonElement preTokenizer)
    {
        var elements = Type(preTokenizer) == "Sequence"
            && preTokenizer.TryGetProperty("pretokenizers", out var list) && list.ValueKind == JsonValueKind.Array
            ? [.. list.EnumerateArray()]
            : new List<JsonElement> { preTokenizer };
        if (!elements.Any(element => Type(element) == "ByteLevel"))
            return null;
        var steps = new List<Step>();
        try
        {
            foreach (var element in elements)
            {
                switch (Type(element))
                {
                    case "Split":
                        if (SplitStep(element) is not { } split)
                            return null;
                        steps.Add(split);
                        break;
                    case "Digits":
                        var individual = element.TryGetProperty("individual_digits", out var digits) && digits.ValueKind == JsonValueKind.True;
                        steps.Add(new DigitsStep(individual));
                        break;
                    case "ByteLevel":
                        if (element.TryGetProperty("use_regex", out var useRegex) && useRegex.ValueKind == JsonValueKind.True)
                            steps.Add(new RegexStep("ByteLevel", Compile(Gpt2Words), Behavior.Isolated, invert: false));
                        break;
                    default:
                        return null;
                }
            }
        }
        catch (ArgumentException)
        {
            // A pattern .NET cannot read: complete without healing rather than refuse the model.
            return null;
        }
        if (steps.Count == 0)
            return null;
        var words = new PreTokenizerWords(steps);
        words.WarmUp();
        return words;
    }

    /// <summary>
    /// Runs every step once, while the model loads: a compiled pattern's first match JIT-compiles it, 4 to 20 ms on a
    /// busy machine, which would otherwise fall on the first completion request.
    /// </summary>
    private void WarmUp()
    {
        try
        {
            foreach (var step in _steps)
                _ = step.LastPiece(WarmUpText, 0, WarmUpText.Length);
        }
        catch (RegexMatchTimeoutException)
        {
            // Only the warm-up is lost; a request meets the same bound and completes without healing.
        }
    }

    private const string WarmUpText = "if (x1)\n\treturn a.B(\"中文\") + 2;";

    /// <summary>
    /// Where the last word of <c>text[start..]</c> starts, as if that span were the whole text; -1 for an empty span.
    /// Throws <see cref="RegexMatchTimeoutException"/> when a pattern runs too long.
    /// </summary>
    public int LastWordStart(string text, int start)
    {
        var (pieceStart, pieceEnd) = (start, text.Length);
        if (pieceStart >= pieceEnd)
            return -1;
        foreach (var step in _steps)
            (pieceStart, pieceEnd) = step.LastPiece(text, pieceStart, pieceEnd);
        return pieceStart;
    }

    private static RegexStep? SplitStep(JsonElement split)
    {
        if (!split.TryGetProperty("pattern", out var pattern) || pattern.ValueKind != JsonValueKind.Object)
            return null;
        Regex regex;
        if (pattern.TryGetProperty("Regex", out var expression) && expression.ValueKind == JsonValueKind.String)
            regex = Compile(expression.GetString()!);
        else if (pattern.TryGetProperty("String", out var literal) && literal.ValueKind == JsonValueKind.String && literal.GetString()!.Length > 0)
            regex = Compile(Regex.Escape(literal.GetString()!));
        else
            return null;
        var name = split.TryGetProperty("behavior", out var behavior) && behavior.ValueKind == JsonValueKind.String ? behavior.GetString() : "Isolated";
        // Removed drops text the model then never sees, so no cut would leave the prompt as the tokenizer reads it.
        Behavior? parsed = name switch
        {
            "Isolated" => Behavior.Isolated,
            "MergedWithPrevious" => Behavior.MergedWithPrevious,
            "MergedWithNext" => Behavior.MergedWithNext,
            "Contiguous" => Behavior.Contiguous,
            _ => null,
        };
        var invert = split.TryGetProperty("invert", out var inverted) && inverted.ValueKind == JsonValueKind.True;
        return parsed is { } known ? new RegexStep("Split", regex, known, invert) : null;
    }

    private static Regex Compile(string pattern) =>
        // The pattern comes from the model folder, so a match is bounded in time; the bound is wall-clock time, which a
        // loaded machine stretches, and a legitimate match over the healing window takes microseconds: a tight bound
        // would switch healing off (and change the reply) whenever the machine is busy.
        new(pattern, RegexOptions.CultureInvariant | RegexOptions.Compiled, TimeSpan.FromSeconds(2));

    private static string? Type(JsonElement element) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String
            ? type.GetString()
            : null;

    /// <summary>
    /// The last piece a split leaves of <c>text[start..end)</c>, given where its delimiters are (the pattern's
    /// matches, or what lies between them when inverted) and what it does with them, as tokenizers'
    /// NormalizedString::split does.
    /// </summary>
    private static (int Start, int End) LastPiece(int start, int end, List<(int Start, int End)> matches, Behavior behavior, bool invert)
    {
        // Delimiter and gap segments in order, empty ones left out.
        var segments = new List<(int Start, int End, bool Delimiter)>(matches.Count * 2 + 1);
        var previous = start;
        foreach (var (matchStart, matchEnd) in matches)
        {
            if (matchEnd == matchStart)
                continue;
            if (matchStart > previous)
                segments.Add((previous, matchStart, invert));
            segments.Add((matchStart, matchEnd, !invert));
            previous = matchEnd;
        }
        if (previous < end)
            segments.Add((previous, end, invert));
        if (segments.Count == 0)
            return (start, end);

        var last = segments[^1];
        switch (behavior)
        {
            case Behavior.Isolated:
                return (last.Start, last.End);
            case Behavior.MergedWithPrevious:
            {
                // A delimiter ends the piece it follows: the last piece starts after the last delimiter before the end.
                for (var i = segments.Count - 2; i >= 0; i--)
                {
                    if (segments[i].Delimiter)
                        return (segments[i].End, end);
                }
                return (start, end);
            }
            case Behavior.MergedWithNext:
            {
                // A delimiter starts the piece after it: the last piece starts at the last delimiter.
                for (var i = segments.Count - 1; i >= 0; i--)
                {
                    if (segments[i].Delimiter)
                        return (segments[i].Start, end);
                }
                return (start, end);
            }
            default:
            {
                // Contiguous: a run of delimiters is one piece, each gap another.
                if (!last.Delimiter)
                    return (last.Start, last.End);
                var first = segments.Count - 1;
                while (first > 0 && segments[first - 1].Delimiter && segments[first - 1].End == segments[first].Start)
                    first--;
                return (segments[first].Start, last.End);
            }
        }
    }

    private abstract class Step(string name)
    {
        public string Name { get; } = name;

        public abstract (int Start, int End) LastPiece(string text, int start, int end);
    }

    private sealed class RegexStep(string name, Regex pattern, Behavior behavior, bool invert) : Step(name)
    {
        public override (int Start, int End) LastPiece(string text, int start, int end)
        {
            // The piece alone is the pattern's input: its anchors and look-arounds see only the piece, as in tokenizers.
            var matches = new List<(int Start, int End)>();
            foreach (var match in pattern.EnumerateMatches(text.AsSpan(start, end - start)))
                matches.Add((start + match.Index, start + match.Index + match.Length));
            return PreTokenizerWords.LastPiece(start, end, matches, behavior, invert);
        }
    }

    /// <summary>Digits: every numeric character (Rust's char::is_numeric: Nd, Nl, No) isolated, or runs of them together.</summary>
    private sealed class DigitsStep(bool individual) : Step(individual ? "Digits (each digit)" : "Digits")
    {
        public override (int Start, int End) LastPiece(string text, int start, int end)
        {
            var matches = new List<(int Start, int End)>();
            for (var index = start; index < end;)
            {
                Rune.DecodeFromUtf16(text.AsSpan(index, end - index), out var rune, out var length);
                if (Rune.IsNumber(rune))
                    matches.Add((index, index + length));
                index += Math.Max(1, length);
            }
            return PreTokenizerWords.LastPiece(start, end, matches, individual ? Behavior.Isolated : Behavior.Contiguous, invert: false);
        }
    }
}
