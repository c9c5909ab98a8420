namespace Shop;

public sealed class Checkout
{
    public decimal Complete(Order order)
    {
        var total = order.Total;
        return total;
    }
}
