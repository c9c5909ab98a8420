using System.Text;

namespace CodeAssist.ModelFactory.Tokenization;

/// <summary>
/// GPT-2's byte-to-character table: every byte gets a printable, non-space character, so that byte-level
/// tokens can be written as JSON strings and merges as "left right" pairs. Printable Latin-1 bytes map to
/// themselves; the others (controls, space, soft hyphen...) map to U+0100 onwards in byte order.
/// </summary>
internal static class ByteLevelAlphabet
{
    private static readonly char[] CharacterByByte = BuildTable();
    private static readonly Dictionary<char, byte> ByteByCharacter =
        Enumerable.Range(0, 256).ToDictionary(value => CharacterByByte[value], value => (byte)value);

    public static char CharacterFor(byte value) => CharacterByByte[value];

    public static string Encode(ReadOnlySpan<byte> bytes)
    {
        var builder = new StringBuilder(bytes.Length);
        foreach (var value in bytes)
        {
            builder.Append(CharacterByByte[value]);
        }
        return builder.ToString();
    }

    public static byte[] Decode(string token)
    {
        var bytes = new byte[token.Length];
        for (var i = 0; i < token.Length; i++)
        {
            bytes[i] = ByteByCharacter.TryGetValue(token[i], out var value)
                ? value
                : throw new ArgumentException($"'{token}' is not a byte-level token: character U+{(int)token[i]:X4} stands for no byte.");
        }
        return bytes;
    }

    private static char[] BuildTable()
    {
        var table = new char[256];
        var nextSubstitute = 256;
        for (var value = 0; value < 256; value++)
        {
            var printable = value is >= '!' and <= '~' or >= '¡' and <= '¬' or >= '®' and <= 'ÿ';
            table[value] = printable ? (char)value : (char)nextSubstitute++;
        }
        return table;
    }
}
