namespace Broken;

public class Widget
{
    public int Size { get; set; }

    public void Grow()
    {
        Size = 
    }
}
