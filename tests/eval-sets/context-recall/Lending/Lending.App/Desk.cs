using Lending.Data;
using Lending.Domain;
using Lending.Services;

namespace Lending.App;

/// <summary>The desk's read-evaluate loop: each command goes to the service that answers it.</summary>
public sealed class Desk(LendingService lending, CatalogSearch search, MemberDirectory members, ReportBuilder reports, ConsoleView view)
{
    private readonly Dictionary<string, Action<DeskCommand>> _handlers = [];

    public Desk Wire()
    {
        _handlers["lend"] = c => view.Show(lending.Lend(c.Arguments[0], Isbn.Parse(c.Arguments[1]), c.Arguments.ElementAtOrDefault(2)));
        _handlers["return"] = c => view.Show(lending.Return(c.IntArgument(0)));
        _handlers["renew"] = c => view.Show(lending.Renew(c.IntArgument(0)));
        _handlers["find"] = c => view.Show(search.Search(c.Rest));
        _handlers["member"] = ShowMember;
        _handlers["overdue"] = _ => Console.WriteLine(reports.OverdueReport());
        _handlers["shelves"] = _ => Console.WriteLine(reports.ShelfReport());
        return this;
    }

    public bool Handle(string line)
    {
        var command = DeskCommand.Parse(line);
        if (command is null)
            return true;
        if (command.Verb is "quit" or "exit")
            return false;
        if (!_handlers.TryGetValue(command.Verb, out var handler))
        {
            view.Error($"unknown command '{command.Verb}'; try: {string.Join(", ", _handlers.Keys.Order())}");
            return true;
        }
        try
        {
            handler(command);
        }
        catch (Exception e) when (e is DomainException or FormatException or KeyNotFoundException)
        {
            view.Error(e.Message);
        }
        return true;
    }

    private void ShowMember(DeskCommand command)
    {
        var found = members.Find(command.Rest) is { } member ? [member] : members.Named(command.Rest).ToList();
        foreach (var match in found)
            view.Show(match);
    }
}
