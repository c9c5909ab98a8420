namespace Shop;

public static class PriceCalculator
{
    public static decimal WithTax(decimal net) => net * 1.2m;

    public static decimal WithTax(decimal net, decimal rate) => net * (1 + rate);

    public static decimal Discounted(this Order order, decimal percent) => order.Total * (1 - percent / 100);
}
