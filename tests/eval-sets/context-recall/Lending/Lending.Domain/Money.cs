using System.Globalization;

namespace Lending.Domain;

/// <summary>An amount in the library's one currency, in cents so sums are exact.</summary>
public readonly record struct Money(long Cents) : IComparable<Money>
{
    public static Money Zero { get; } = new(0);

    public static Money FromDecimal(decimal amount) => new((long)Math.Round(amount * 100m, MidpointRounding.AwayFromZero));

    public decimal Amount => Cents / 100m;

    public bool IsZero => Cents == 0;

    public static Money operator +(Money a, Money b) => new(a.Cents + b.Cents);

    public static Money operator -(Money a, Money b) => new(a.Cents - b.Cents);

    public static Money operator *(Money a, int times) => new(a.Cents * times);

    public static bool operator <(Money a, Money b) => a.Cents < b.Cents;

    public static bool operator >(Money a, Money b) => a.Cents > b.Cents;

    public static bool operator <=(Money a, Money b) => a.Cents <= b.Cents;

    public static bool operator >=(Money a, Money b) => a.Cents >= b.Cents;

    public Money Min(Money other) => Cents <= other.Cents ? this : other;

    public int CompareTo(Money other) => Cents.CompareTo(other.Cents);

    public override string ToString() => Amount.ToString("C", CultureInfo.GetCultureInfo("en-GB"));
}
