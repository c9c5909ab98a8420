using Lending.Data;
using Lending.Domain;

namespace Lending.Services;

/// <summary>The desk: lending, returning and renewing copies under the lending policy.</summary>
public sealed class LendingService(BookCatalog catalog, MemberDirectory members, LoanLedger ledger, ReservationQueue reservations, IClock clock)
{
    private readonly FineCalculator _fines = new();

    public event EventHandler<LoanEventArgs>? LoanChanged;

    public LendingResult Lend(string memberId, Isbn isbn, string? branchCode = null)
    {
        var member = members.Find(memberId);
        if (member is null)
            return new LendingResult.Refused($"no member {memberId}");
        if (member.IsSuspended)
            return new LendingResult.Refused($"{member.Name} owes {member.OutstandingFines}");
        if (ledger.OpenLoansOf(member).Count() >= member.LoanLimit)
            return new LendingResult.Refused($"{member.Name} already has {member.LoanLimit} books");
        var copy = catalog.FirstAvailable(isbn, branchCode);
        if (copy is null)
            return new LendingResult.Refused("no copy is available; it can be reserved");
        copy.MarkLent();
        var today = clock.Today;
        var loan = new Loan(Guid.NewGuid(), copy, member, today, today.AddDays(LendingPolicy.LoanDaysFor(member.Tier)));
        ledger.Record(loan);
        LoanChanged?.Invoke(this, new LoanEventArgs(loan, LoanEventKind.Lent));
        return new LendingResult.Lent(loan);
    }

    public LendingResult Return(int copyId, CopyCondition condition = CopyCondition.Good)
    {
        var loan = ledger.OpenLoanOf(copyId);
        if (loan is null)
            return new LendingResult.Refused($"copy {copyId} is not on loan");
        var today = clock.Today;
        var charged = _fines.FineFor(loan, today) + _fines.DamageCharge(loan.Copy, condition);
        if (!charged.IsZero)
            loan.Member.Charge(charged);
        loan.Copy.MarkReturned(condition);
        var closed = loan.Closed(today);
        ledger.Replace(closed);
        LoanChanged?.Invoke(this, new LoanEventArgs(closed, LoanEventKind.Returned));
        if (reservations.NextFor(loan.Copy.Book.Isbn) is { } next)
            next.Member.AddNote($"'{next.Book.Title}' is waiting at {loan.Copy.Branch.Name}");
        return new LendingResult.Returned(closed, charged);
    }

    public LendingResult Renew(int copyId)
    {
        var loan = ledger.OpenLoanOf(copyId);
        if (loan is null)
            return new LendingResult.Refused($"copy {copyId} is not on loan");
        if (!LendingPolicy.MayRenew(loan, reservations.IsReserved(loan.Copy.Book.Isbn)))
            return new LendingResult.Refused("this loan cannot be renewed");
        var renewed = loan.Renewed(LendingPolicy.RenewalDays);
        ledger.Replace(renewed);
        LoanChanged?.Invoke(this, new LoanEventArgs(renewed, LoanEventKind.Renewed));
        return new LendingResult.Renewed(renewed);
    }

    public Money ChargeOverdue()
    {
        var total = Money.Zero;
        foreach (var loan in ledger.Overdue(clock.Today))
            total += _fines.FineFor(loan, clock.Today);
        return total;
    }
}

public enum LoanEventKind
{
    Lent,
    Returned,
    Renewed,
}

public sealed class LoanEventArgs(Loan loan, LoanEventKind kind) : EventArgs
{
    public Loan Loan { get; } = loan;

    public LoanEventKind Kind { get; } = kind;
}
