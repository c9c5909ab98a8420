using Lending.Domain;

namespace Lending.Data;

/// <summary>A small catalogue and a few members, for the demo and for trying the desk out.</summary>
public static class SeedData
{
    public static Branch Central { get; } = new("CEN", "Central Library", "Norwich");

    public static Branch Riverside { get; } = new("RIV", "Riverside Branch", "Norwich");

    public static void Fill(BookCatalog catalog, MemberDirectory members, DateOnly today)
    {
        var austen = new Author("Jane", "Austen", 1775);
        var doyle = new Author("Arthur Conan", "Doyle", 1859);
        var darwin = new Author("Charles", "Darwin", 1809);
        var books = new[]
        {
            new Book(Isbn.Parse("9780141439518"), "Pride and Prejudice", austen, 1813, Genre.Fiction) { Keywords = ["romance", "classic"] },
            new Book(Isbn.Parse("9780141439587"), "Emma", austen, 1815, Genre.Fiction) { Keywords = ["classic"] },
            new Book(Isbn.Parse("9780140439083"), "The Hound of the Baskervilles", doyle, 1902, Genre.Mystery),
            new Book(Isbn.Parse("9780451529060"), "On the Origin of Species", darwin, 1859, Genre.Science) { Keywords = ["evolution"] },
        };
        foreach (var book in books)
        {
            catalog.AddTitle(book);
            catalog.AddCopy(book.Isbn, Central);
            catalog.AddCopy(book.Isbn, Riverside);
        }
        members.Register("Ada Lovelace", MembershipTier.Adult, today.AddYears(-3));
        members.Register("Tom Thumb", MembershipTier.Child, today.AddMonths(-8));
        members.Register("Edith Cavell", MembershipTier.Staff, today.AddYears(-10));
    }
}
