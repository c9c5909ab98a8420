namespace Lending.Domain;

/// <summary>The shelves a title is filed under.</summary>
public enum Genre
{
    Fiction,
    Mystery,
    Science,
    History,
    Poetry,
    Children,
    Reference,
}
