using Lending.Domain;

namespace Lending.Services;

/// <summary>Messages for members, queued by the desk and sent in batches.</summary>
public sealed class NotificationOutbox
{
    private readonly Queue<Notification> _pending = new();
    private readonly List<Notification> _sent = [];

    public int PendingCount => _pending.Count;

    public IReadOnlyList<Notification> Sent => _sent;

    public void Attach(LendingService desk) => desk.LoanChanged += OnLoanChanged;

    public void RemindOverdue(IEnumerable<Loan> overdue, DateOnly today)
    {
        foreach (var loan in overdue.Where(l => l.Member.Email is not null))
            _pending.Enqueue(new Notification(loan.Member, $"'{loan.Copy.Book.Title}' is {loan.DaysLate(today)} days late", today));
    }

    public int SendAll(Func<Notification, bool> send)
    {
        var sent = 0;
        while (_pending.TryDequeue(out var notification))
        {
            if (!send(notification))
                continue;
            _sent.Add(notification);
            sent++;
        }
        return sent;
    }

    private void OnLoanChanged(object? sender, LoanEventArgs e)
    {
        if (e.Kind == LoanEventKind.Lent && e.Loan.Member.Email is not null)
            _pending.Enqueue(new Notification(e.Loan.Member, $"You borrowed '{e.Loan.Copy.Book.Title}', due {e.Loan.DueOn:d}", e.Loan.LentOn));
    }
}

public sealed record Notification(Member To, string Text, DateOnly Queued);
