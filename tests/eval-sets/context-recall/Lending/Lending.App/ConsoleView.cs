using Lending.Domain;
using Lending.Services;

namespace Lending.App;

/// <summary>Writes the desk's answers to the console, coloured by outcome.</summary>
public sealed class ConsoleView(TextWriter output)
{
    public void Show(LendingResult result)
    {
        var colour = result.Succeeded ? ConsoleColor.Green : ConsoleColor.Yellow;
        Write(colour, result.Message);
    }

    public void Show(IReadOnlyList<SearchHit> hits)
    {
        if (hits.Count == 0)
        {
            output.WriteLine("nothing found");
            return;
        }
        foreach (var hit in hits)
        {
            var where = hit.Availability.CanBorrowNow ? string.Join(", ", hit.Availability.FreeAt) : $"{hit.Availability.Waiting} waiting";
            output.WriteLine($"{hit.Book.Isbn}  {hit.Book.ShortTitle,-30} {hit.Book.Author.FullName,-22} {where}");
        }
    }

    public void Show(Member member)
    {
        output.WriteLine($"{member.MemberId} {member.Name} ({member.Tier}), joined {member.Joined:d}");
        if (!member.OutstandingFines.IsZero)
            Write(ConsoleColor.Red, $"owes {member.OutstandingFines}");
        foreach (var note in member.Notes.TakeLast(3))
            output.WriteLine($"  note: {note}");
    }

    public void Error(string message) => Write(ConsoleColor.Red, message);

    private void Write(ConsoleColor colour, string text)
    {
        var previous = Console.ForegroundColor;
        Console.ForegroundColor = colour;
        output.WriteLine(text);
        Console.ForegroundColor = previous;
    }
}
