using System.Globalization;
using System.Text;
using Lending.Data;
using Lending.Domain;

namespace Lending.Services;

/// <summary>Plain-text reports for the branch managers.</summary>
public sealed class ReportBuilder(LoanLedger ledger, MemberDirectory members, CatalogSearch search, IClock clock)
{
    public string OverdueReport()
    {
        var text = new StringBuilder();
        var today = clock.Today;
        text.AppendLine(CultureInfo.InvariantCulture, $"Overdue on {today:yyyy-MM-dd}");
        foreach (var group in ledger.Overdue(today).GroupBy(l => l.Copy.Branch))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{group.Key.Name} ({group.Count()})");
            foreach (var loan in group.OrderByDescending(l => l.DaysLate(today)))
                text.AppendLine(CultureInfo.InvariantCulture, $"  {loan.Member.Name,-24} {loan.Copy.Book.ShortTitle,-30} {loan.DaysLate(today),3} days");
        }
        return text.ToString();
    }

    public string MembershipReport()
    {
        var text = new StringBuilder();
        foreach (var (tier, count) in members.CountByTier().OrderBy(p => p.Key))
            text.AppendLine(CultureInfo.InvariantCulture, $"{tier,-8} {count,5}");
        var suspended = members.Suspended().ToList();
        text.AppendLine(CultureInfo.InvariantCulture, $"suspended: {suspended.Count}");
        foreach (var member in suspended)
            text.AppendLine(CultureInfo.InvariantCulture, $"  {member.MemberId} {member.Name} owes {member.OutstandingFines}");
        return text.ToString();
    }

    public string ShelfReport()
    {
        var lines = search.Shelves().Select(s => $"{s.Genre,-10} {s.Titles,4} titles {s.Copies,5} copies");
        return string.Join(Environment.NewLine, lines);
    }

    public IReadOnlyList<(Book Book, int Loans)> MostBorrowed(DateOnly from, int top) =>
        [.. ledger.Between(from, clock.Today)
            .GroupBy(l => l.Copy.Book)
            .Select(g => (g.Key, g.Count()))
            .OrderByDescending(p => p.Item2)
            .Take(top)];
}
