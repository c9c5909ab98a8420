namespace Lending.Domain;

/// <summary>An ISBN-13, checked when it is made.</summary>
public readonly record struct Isbn
{
    private Isbn(string digits) => Digits = digits;

    public string Digits { get; }

    public static Isbn Parse(string text)
    {
        var digits = new string(text.Where(char.IsDigit).ToArray());
        if (digits.Length != 13)
            throw new DomainException($"'{text}' is not an ISBN-13: it has {digits.Length} digits");
        if (CheckDigit(digits) != digits[12] - '0')
            throw new DomainException($"'{text}' has a wrong check digit");
        return new Isbn(digits);
    }

    public static bool TryParse(string text, out Isbn isbn)
    {
        try
        {
            isbn = Parse(text);
            return true;
        }
        catch (DomainException)
        {
            isbn = default;
            return false;
        }
    }

    private static int CheckDigit(string digits)
    {
        var sum = 0;
        for (var i = 0; i < 12; i++)
            sum += (digits[i] - '0') * (i % 2 == 0 ? 1 : 3);
        return (10 - sum % 10) % 10;
    }

    public override string ToString() => $"{Digits[..3]}-{Digits[3..4]}-{Digits[4..9]}-{Digits[9..12]}-{Digits[12]}";
}
