namespace Lending.Domain;

/// <summary>A copy lent to a member, from the day it left to the day it came back.</summary>
public sealed record Loan(Guid LoanId, Copy Copy, Member Member, DateOnly LentOn, DateOnly DueOn)
{
    public DateOnly? ReturnedOn { get; init; }

    public int Renewals { get; init; }

    public bool IsOpen => ReturnedOn is null;

    public bool IsOverdue(DateOnly today) => IsOpen && today > DueOn;

    public int DaysLate(DateOnly today)
    {
        var end = ReturnedOn ?? today;
        return end > DueOn ? end.DayNumber - DueOn.DayNumber : 0;
    }

    public Loan Renewed(int days) => this with { DueOn = DueOn.AddDays(days), Renewals = Renewals + 1 };

    public Loan Closed(DateOnly on) => this with { ReturnedOn = on };
}
