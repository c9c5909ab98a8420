using Lending.Domain;

namespace Lending.Data;

/// <summary>The titles and their copies, with the lookups the desk and the search use.</summary>
public sealed class BookCatalog
{
    private readonly InMemoryRepository<Isbn, Book> _books = new(b => b.Isbn);
    private readonly InMemoryRepository<int, Copy> _copies = new(c => c.CopyId);
    private int _nextCopyId = 1000;

    public int TitleCount => _books.Count;

    public int CopyCount => _copies.Count;

    public IEnumerable<Book> Books => _books.All();

    public IEnumerable<Copy> Copies => _copies.All();

    public void AddTitle(Book book) => _books.Add(book);

    public Copy AddCopy(Isbn isbn, Branch branch)
    {
        var copy = new Copy(_nextCopyId++, _books.Get(isbn), branch);
        _copies.Add(copy);
        return copy;
    }

    public Book? FindBook(Isbn isbn) => _books.Find(isbn);

    public Copy GetCopy(int copyId) => _copies.Get(copyId);

    public IEnumerable<Copy> CopiesOf(Isbn isbn) => _copies.All().Where(c => c.Book.Isbn == isbn);

    public Copy? FirstAvailable(Isbn isbn, string? branchCode = null) =>
        CopiesOf(isbn)
            .Where(c => c.CanBeLent)
            .OrderByDescending(c => c.Branch.Code == branchCode)
            .ThenBy(c => c.Condition)
            .FirstOrDefault();

    public IEnumerable<Book> ByAuthor(string lastName) =>
        _books.All().Where(b => b.Author.LastName.Equals(lastName, StringComparison.OrdinalIgnoreCase)).OrderBy(b => b.Year);

    public ILookup<Genre, Book> ByGenre() => _books.All().ToLookup(b => b.Genre);

    public bool Withdraw(int copyId)
    {
        var copy = _copies.Find(copyId);
        if (copy is null || copy.IsOnLoan)
            return false;
        copy.MarkReturned(CopyCondition.Withdrawn);
        return true;
    }
}
