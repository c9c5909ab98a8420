using Lending.Domain;

namespace Lending.Services;

/// <summary>What the desk tells the member after a request.</summary>
public abstract record LendingResult(string Message)
{
    public sealed record Lent(Loan Loan) : LendingResult($"'{Loan.Copy.Book.Title}' is due on {Loan.DueOn:d}");

    public sealed record Returned(Loan Loan, Money Charged) : LendingResult(Charged.IsZero ? "returned, thank you" : $"returned; {Charged} charged");

    public sealed record Renewed(Loan Loan) : LendingResult($"renewed until {Loan.DueOn:d}");

    public sealed record Refused(string Reason) : LendingResult(Reason);

    public bool Succeeded => this is not Refused;
}
