namespace CodeAssist.Engine.Context;

/// <summary>
/// Cuts the text before and after the cursor to a token budget at line boundaries, measured with the model's own
/// tokenizer. The cursor's own line is always kept whole on the side that touches the cursor.
/// </summary>
public static class TokenWindow
{
    /// <summary>Characters per token used only to guess where to cut before measuring.</summary>
    private const double CharsPerTokenGuess = 3.0;

    /// <summary>The end of <paramref name="prefix"/> that fits the budget, starting at a line start where possible.</summary>
    public static string CutPrefix(string prefix, int budget, Func<string, int> countTokens)
    {
        if (budget <= 0 || prefix.Length == 0)
            return "";
        var start = Math.Max(0, prefix.Length - (int)(budget * CharsPerTokenGuess * 1.3));
        start = NextLineStart(prefix, start);
        if (start >= prefix.Length)
            return CutCharacters(prefix, budget, countTokens, fromEnd: true);
        while (true)
        {
            var candidate = prefix[start..];
            var tokens = countTokens(candidate);
            if (tokens <= budget)
                return candidate;
            // Drop the share of lines that is over budget, at least one line each round.
            var excessChars = (int)((double)(tokens - budget) / tokens * candidate.Length) + 1;
            var next = NextLineStart(prefix, start + excessChars);
            if (next >= prefix.Length || next == start)
                return CutCharacters(candidate, budget, countTokens, fromEnd: true);
            start = next;
        }
    }

    /// <summary>Tokens of the cursor's line are reserved in steps of this many (see <see cref="CutPrefixAboveCursorLine"/>).</summary>
    internal const int CursorLineStep = 32;

    /// <summary>
    /// <see cref="CutPrefix"/>, but with the window's start decided by the lines above the cursor's line alone: the
    /// cursor's line gets its tokens rounded up to a step of <see cref="CursorLineStep"/>, and the lines above get the
    /// rest. Typing on a line then keeps the window's start (and an engine's prefix cache) until the line grows past
    /// a step, where cutting the whole prefix to the budget moved the start every few keystrokes in a long file.
    /// </summary>
    public static string CutPrefixAboveCursorLine(string prefix, int budget, Func<string, int> countTokens)
    {
        var lineStart = prefix.LastIndexOf('\n') + 1;
        if (lineStart == 0)
            return CutPrefix(prefix, budget, countTokens);
        var cursorLine = prefix[lineStart..];
        var reserved = (countTokens(cursorLine) / CursorLineStep + 1) * CursorLineStep;
        return reserved >= budget
            ? CutPrefix(prefix, budget, countTokens)
            : CutPrefix(prefix[..lineStart], budget - reserved, countTokens) + cursorLine;
    }

    /// <summary>The start of <paramref name="suffix"/> that fits the budget, ending at a line end where possible.</summary>
    public static string CutSuffix(string suffix, int budget, Func<string, int> countTokens)
    {
        if (budget <= 0 || suffix.Length == 0)
            return "";
        var end = Math.Min(suffix.Length, (int)(budget * CharsPerTokenGuess * 1.3));
        end = LineEndAtOrAfter(suffix, end);
        while (true)
        {
            var candidate = suffix[..end];
            var tokens = countTokens(candidate);
            if (tokens <= budget)
                return candidate;
            var excessChars = (int)((double)(tokens - budget) / tokens * candidate.Length) + 1;
            var next = LineEndBefore(suffix, end - excessChars);
            if (next <= 0 || next == end)
                return CutCharacters(candidate, budget, countTokens, fromEnd: false);
            end = next;
        }
    }

    /// <summary>For one very long line: keep the characters nearest the cursor.</summary>
    private static string CutCharacters(string text, int budget, Func<string, int> countTokens, bool fromEnd)
    {
        var length = Math.Min(text.Length, (int)(budget * CharsPerTokenGuess));
        while (length > 0)
        {
            var candidate = fromEnd ? text[^length..] : text[..length];
            var tokens = countTokens(candidate);
            if (tokens <= budget)
                return candidate;
            length = (int)(length * (double)budget / tokens) - 1;
        }
        return "";
    }

    private static int NextLineStart(string text, int from)
    {
        if (from <= 0)
            return 0;
        var newline = text.IndexOf('\n', Math.Min(from - 1, text.Length - 1));
        return newline < 0 ? text.Length : newline + 1;
    }

    private static int LineEndAtOrAfter(string text, int from)
    {
        if (from >= text.Length)
            return text.Length;
        var newline = text.IndexOf('\n', from);
        return newline < 0 ? text.Length : newline + 1;
    }

    private static int LineEndBefore(string text, int before)
    {
        if (before <= 0)
            return 0;
        var newline = text.LastIndexOf('\n', Math.Min(before, text.Length) - 1);
        return newline < 0 ? 0 : newline + 1;
    }
}
