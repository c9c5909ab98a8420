using Lending.App;
using Lending.Data;
using Lending.Domain;
using Lending.Services;

var clock = new FixedClock(new DateOnly(2026, 3, 2));
var catalog = new BookCatalog();
var members = new MemberDirectory();
var ledger = new LoanLedger();
var reservations = new ReservationQueue();
SeedData.Fill(catalog, members, clock.Today);

var lending = new LendingService(catalog, members, ledger, reservations, clock);
var search = new CatalogSearch(catalog, reservations);
var reports = new ReportBuilder(ledger, members, search, clock);
var outbox = new NotificationOutbox();
outbox.Attach(lending);

var desk = new Desk(lending, search, members, reports, new ConsoleView(Console.Out)).Wire();
Console.WriteLine($"{catalog.TitleCount} titles, {catalog.CopyCount} copies, {members.Count} members");
while (Console.ReadLine() is { } line && desk.Handle(line))
{
    if (outbox.PendingCount > 0)
        outbox.SendAll(n => n.To.Email is not null);
}
