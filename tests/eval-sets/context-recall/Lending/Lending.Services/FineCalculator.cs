using Lending.Domain;

namespace Lending.Services;

/// <summary>What a late return costs: a daily fine, capped per loan, halved for children and seniors.</summary>
public sealed class FineCalculator
{
    public Money FineFor(Loan loan, DateOnly today)
    {
        var days = loan.DaysLate(today);
        if (days == 0 || loan.Member.Tier == MembershipTier.Staff)
            return Money.Zero;
        var fine = (LendingPolicy.DailyFine * days).Min(LendingPolicy.MaxFinePerLoan);
        return loan.Member.Tier is MembershipTier.Child or MembershipTier.Senior ? new Money(fine.Cents / 2) : fine;
    }

    public Money DamageCharge(Copy copy, CopyCondition returnedAs) => (copy.Condition, returnedAs) switch
    {
        (CopyCondition.Good, CopyCondition.Damaged) => Money.FromDecimal(5m),
        (CopyCondition.Worn, CopyCondition.Damaged) => Money.FromDecimal(3m),
        (_, CopyCondition.Withdrawn) => Money.FromDecimal(12m),
        _ => Money.Zero,
    };
}
