using Lending.Domain;

namespace Lending.Data;

/// <summary>The members, by card number and by name.</summary>
public sealed class MemberDirectory : InMemoryRepository<string, Member>
{
    private int _nextNumber = 1;

    public MemberDirectory()
        : base(m => m.MemberId)
    {
    }

    public Member Register(string name, MembershipTier tier, DateOnly joined)
    {
        var member = new Member($"M{_nextNumber++:D5}", name, tier, joined);
        Add(member);
        return member;
    }

    public IEnumerable<Member> Named(string part) =>
        Where(m => m.Name.Contains(part, StringComparison.OrdinalIgnoreCase)).OrderBy(m => m.Name, StringComparer.OrdinalIgnoreCase);

    public IEnumerable<Member> Suspended() => Where(m => m.IsSuspended);

    public IReadOnlyDictionary<MembershipTier, int> CountByTier() =>
        All().GroupBy(m => m.Tier).ToDictionary(g => g.Key, g => g.Count());
}
