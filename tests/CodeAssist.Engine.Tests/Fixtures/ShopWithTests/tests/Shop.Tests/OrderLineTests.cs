using Xunit;

namespace Shop.Tests;

public sealed class OrderLineTests
{
    [Fact]
    public void A_line_keeps_its_price()
    {
        Assert.Equal(2.5m, new OrderLine("A-1", 2.5m, 1).Price);
    }
}
