namespace Shop;

/// <summary>An order as the checkout creates it.</summary>
public sealed class Order
{
    private readonly List<OrderLine> _lines = new();

    public Order(string customer) => Customer = customer;

    public string Customer { get; }

    public IReadOnlyList<OrderLine> Lines => _lines;

    public decimal Total => _lines.Sum(l => l.Price * l.Quantity);

    public void AddLine(string sku, decimal price, int quantity = 1)
    {
        if (quantity <= 0)
            throw new ArgumentOutOfRangeException(nameof(quantity));
        _lines.Add(new OrderLine(sku, price, quantity));
    }

    public bool RemoveLine(string sku) => _lines.RemoveAll(l => l.Sku == sku) > 0;
}

public sealed record OrderLine(string Sku, decimal Price, int Quantity);
