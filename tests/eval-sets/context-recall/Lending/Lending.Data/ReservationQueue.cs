using Lending.Domain;

namespace Lending.Data;

/// <summary>Members waiting for a title, first come first served.</summary>
public sealed class ReservationQueue
{
    private readonly Dictionary<Isbn, Queue<Reservation>> _waiting = [];

    public int Waiting(Isbn isbn) => _waiting.TryGetValue(isbn, out var queue) ? queue.Count : 0;

    public bool IsReserved(Isbn isbn) => Waiting(isbn) > 0;

    public Reservation Reserve(Member member, Book book, DateOnly on)
    {
        if (!_waiting.TryGetValue(book.Isbn, out var queue))
        {
            queue = new Queue<Reservation>();
            _waiting[book.Isbn] = queue;
        }
        if (queue.Any(r => r.Member.MemberId == member.MemberId))
            throw new DomainException($"{member.Name} already waits for '{book.Title}'") { MemberId = member.MemberId };
        var reservation = new Reservation(member, book, on, queue.Count + 1);
        queue.Enqueue(reservation);
        return reservation;
    }

    public Reservation? NextFor(Isbn isbn) => _waiting.TryGetValue(isbn, out var queue) && queue.TryDequeue(out var next) ? next : null;
}

/// <summary>A member's place in the queue for a title.</summary>
public sealed record Reservation(Member Member, Book Book, DateOnly PlacedOn, int Position);
