namespace Lending.Domain;

/// <summary>The rules every branch lends by.</summary>
public static class LendingPolicy
{
    public const int LoanDays = 21;

    public const int RenewalDays = 14;

    public const int MaxRenewals = 2;

    public static Money DailyFine { get; } = Money.FromDecimal(0.25m);

    public static Money MaxFinePerLoan { get; } = Money.FromDecimal(8.00m);

    public static Money SuspensionThreshold { get; } = Money.FromDecimal(10.00m);

    public static int LoanDaysFor(MembershipTier tier) => tier == MembershipTier.Staff ? LoanDays * 2 : LoanDays;

    public static bool MayRenew(Loan loan, bool reserved) => loan.Renewals < MaxRenewals && !reserved;
}
