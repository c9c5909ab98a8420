namespace Lending.Domain;

/// <summary>Today, as the desk sees it; tests and the demo set it.</summary>
public interface IClock
{
    DateOnly Today { get; }
}

public sealed class SystemClock : IClock
{
    public DateOnly Today => DateOnly.FromDateTime(DateTime.Now);
}

public sealed class FixedClock(DateOnly today) : IClock
{
    public DateOnly Today { get; private set; } = today;

    public void Advance(int days) => Today = Today.AddDays(days);
}
