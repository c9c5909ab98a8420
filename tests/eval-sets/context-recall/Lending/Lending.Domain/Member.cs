namespace Lending.Domain;

/// <summary>Someone with a library card.</summary>
public sealed class Member(string memberId, string name, MembershipTier tier, DateOnly joined)
{
    private readonly List<string> _notes = [];

    public string MemberId { get; } = memberId;

    public string Name { get; } = name;

    public MembershipTier Tier { get; private set; } = tier;

    public DateOnly Joined { get; } = joined;

    public string? Email { get; set; }

    public Money OutstandingFines { get; private set; } = Money.Zero;

    public bool IsSuspended => OutstandingFines > LendingPolicy.SuspensionThreshold;

    public IReadOnlyList<string> Notes => _notes;

    public int LoanLimit => Tier switch
    {
        MembershipTier.Child => 4,
        MembershipTier.Adult => 8,
        MembershipTier.Senior => 10,
        MembershipTier.Staff => 20,
        _ => 0,
    };

    public void Charge(Money fine) => OutstandingFines += fine;

    public void Pay(Money payment)
    {
        if (payment > OutstandingFines)
            throw new DomainException($"{Name} owes {OutstandingFines}, not {payment}") { MemberId = MemberId };
        OutstandingFines -= payment;
    }

    public void Upgrade(MembershipTier tier)
    {
        _notes.Add($"tier {Tier} -> {tier}");
        Tier = tier;
    }

    public void AddNote(string note) => _notes.Add(note);
}

public enum MembershipTier
{
    Child,
    Adult,
    Senior,
    Staff,
}
