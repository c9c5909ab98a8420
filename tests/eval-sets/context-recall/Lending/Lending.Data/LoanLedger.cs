using Lending.Domain;

namespace Lending.Data;

/// <summary>Every loan, open and closed, in the order they were made.</summary>
public sealed class LoanLedger
{
    private readonly List<Loan> _loans = [];
    private readonly Dictionary<Guid, int> _index = [];

    public int OpenCount => _loans.Count(l => l.IsOpen);

    public IReadOnlyList<Loan> History => _loans;

    public void Record(Loan loan)
    {
        _index[loan.LoanId] = _loans.Count;
        _loans.Add(loan);
    }

    public void Replace(Loan loan)
    {
        if (!_index.TryGetValue(loan.LoanId, out var at))
            throw new KeyNotFoundException($"loan {loan.LoanId} was never recorded");
        _loans[at] = loan;
    }

    public Loan? OpenLoanOf(int copyId) => _loans.LastOrDefault(l => l.IsOpen && l.Copy.CopyId == copyId);

    public IEnumerable<Loan> OpenLoansOf(Member member) => _loans.Where(l => l.IsOpen && l.Member.MemberId == member.MemberId);

    public IEnumerable<Loan> Overdue(DateOnly today) => _loans.Where(l => l.IsOverdue(today)).OrderBy(l => l.DueOn);

    public IEnumerable<Loan> Between(DateOnly from, DateOnly to) => _loans.Where(l => l.LentOn >= from && l.LentOn <= to);
}
