namespace Lending.Domain;

/// <summary>One physical copy of a book, on a shelf of one branch.</summary>
public sealed class Copy(int copyId, Book book, Branch branch)
{
    public int CopyId { get; } = copyId;

    public Book Book { get; } = book;

    public Branch Branch { get; private set; } = branch;

    public CopyCondition Condition { get; private set; } = CopyCondition.Good;

    public bool IsOnLoan { get; private set; }

    public bool CanBeLent => !IsOnLoan && !Book.IsReferenceOnly && Condition != CopyCondition.Withdrawn;

    public void MarkLent()
    {
        if (!CanBeLent)
            throw new DomainException($"copy {CopyId} of '{Book.Title}' cannot be lent");
        IsOnLoan = true;
    }

    public void MarkReturned(CopyCondition condition)
    {
        IsOnLoan = false;
        Condition = condition;
    }

    public void TransferTo(Branch branch)
    {
        if (IsOnLoan)
            throw new DomainException($"copy {CopyId} is on loan and cannot move to {branch.Name}");
        Branch = branch;
    }
}

public enum CopyCondition
{
    Good,
    Worn,
    Damaged,
    Withdrawn,
}

/// <summary>A library building.</summary>
public sealed record Branch(string Code, string Name, string City);
