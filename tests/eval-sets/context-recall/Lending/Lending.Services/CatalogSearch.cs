using Lending.Data;
using Lending.Domain;

namespace Lending.Services;

/// <summary>Finds titles by words, ranks them, and says where a copy can be had.</summary>
public sealed class CatalogSearch(BookCatalog catalog, ReservationQueue reservations)
{
    public IReadOnlyList<SearchHit> Search(string query, int limit = 10)
    {
        var words = query.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (words.Length == 0)
            return [];
        return [.. catalog.Books
            .Select(book => new SearchHit(book, words.Count(book.Matches), Availability(book)))
            .Where(hit => hit.Score > 0)
            .OrderByDescending(hit => hit.Score)
            .ThenBy(hit => hit.Book.Author.SortKey, StringComparer.OrdinalIgnoreCase)
            .Take(limit)];
    }

    public Availability Availability(Book book)
    {
        var copies = catalog.CopiesOf(book.Isbn).ToList();
        var free = copies.Where(c => c.CanBeLent).Select(c => c.Branch.Name).Distinct().ToList();
        return new Availability(copies.Count, free, reservations.Waiting(book.Isbn));
    }

    public IEnumerable<(Genre Genre, int Titles, int Copies)> Shelves() =>
        catalog.ByGenre()
            .Select(g => (g.Key, g.Count(), g.Sum(b => catalog.CopiesOf(b.Isbn).Count())))
            .OrderBy(s => s.Key);

    public IEnumerable<Author> AuthorsOf(Genre genre) =>
        catalog.Books.Where(b => b.Genre == genre).Select(b => b.Author).DistinctBy(a => a.SortKey).OrderBy(a => a.SortKey);
}

public sealed record SearchHit(Book Book, int Score, Availability Availability);

public sealed record Availability(int Copies, IReadOnlyList<string> FreeAt, int Waiting)
{
    public bool CanBorrowNow => FreeAt.Count > 0;
}
