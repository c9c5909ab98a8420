namespace Lending.Domain;

/// <summary>A rule of the lending desk was broken; the message says which.</summary>
public sealed class DomainException(string message) : Exception(message)
{
    public string? MemberId { get; init; }
}
