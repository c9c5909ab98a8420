namespace Lending.Domain;

/// <summary>A title in the catalogue. Copies of it are what members borrow.</summary>
public sealed record Book(Isbn Isbn, string Title, Author Author, int Year, Genre Genre)
{
    public IReadOnlyList<string> Keywords { get; init; } = [];

    public bool IsReferenceOnly => Genre == Genre.Reference;

    public string ShortTitle => Title.Length <= 30 ? Title : Title[..27] + "...";

    public bool Matches(string word) =>
        Title.Contains(word, StringComparison.OrdinalIgnoreCase)
        || Author.FullName.Contains(word, StringComparison.OrdinalIgnoreCase)
        || Keywords.Any(k => string.Equals(k, word, StringComparison.OrdinalIgnoreCase));
}

/// <summary>Who wrote a book.</summary>
public sealed record Author(string FirstName, string LastName, int? BirthYear = null)
{
    public string FullName => $"{FirstName} {LastName}";

    public string SortKey => $"{LastName}, {FirstName}";
}
