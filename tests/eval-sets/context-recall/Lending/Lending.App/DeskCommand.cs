namespace Lending.App;

/// <summary>One line typed at the desk, split into its verb and arguments.</summary>
public sealed record DeskCommand(string Verb, IReadOnlyList<string> Arguments)
{
    public static DeskCommand? Parse(string line)
    {
        var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return parts.Length == 0 ? null : new DeskCommand(parts[0].ToLowerInvariant(), parts[1..]);
    }

    public string Rest => string.Join(' ', Arguments);

    public int IntArgument(int index) =>
        index < Arguments.Count && int.TryParse(Arguments[index], out var value)
            ? value
            : throw new FormatException($"{Verb}: argument {index + 1} is not a number");
}
