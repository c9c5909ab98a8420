using CodeAssist.Inference.Generation;

namespace CodeAssist.Inference.Tests;

/// <summary>Stop strings over decoded pieces: nothing of a stop string is ever released, wherever the pieces split it.</summary>
public sealed class TokenStopperTests
{
    /// <summary>Feeds the pieces; expects the released text and whether a stop string ended it.</summary>
    private static void Check(string[] stops, string[] pieces, string expected, bool stopped)
    {
        var stopper = new TokenStopper(new HashSet<int>(), stops);
        var released = new System.Text.StringBuilder();
        var hit = false;
        foreach (var piece in pieces)
        {
            var (text, stop) = stopper.Add(piece);
            released.Append(text);
            foreach (var s in stops)
                Assert.DoesNotContain(s, released.ToString());
            if (stop)
            {
                hit = true;
                break;
            }
        }
        if (!hit)
            released.Append(stopper.Flush());

        Assert.Equal(expected, released.ToString());
        Assert.Equal(stopped, hit);
    }

    [Fact]
    public void NoStopStringsReleasesEverything() => Check([], ["a", "b\n", "c"], "ab\nc", false);

    [Fact]
    public void StopInsideOnePiece() => Check(["\n"], ["int a;\nint b;"], "int a;", true);

    [Fact]
    public void StopSplitOverPieces() => Check(["b = 2"], ["int a;\nint ", "b", " =", " 2;"], "int a;\nint ", true);

    [Fact]
    public void StopSplitOverManySingleCharacterPieces() => Check(["</code>"], ["x", "<", "/", "c", "o", "d", "e", ">", "y"], "x", true);

    [Fact]
    public void HeldBackTextIsReleasedWhenTheStopDoesNotCome() => Check(["int c"], ["int a;", " int", " b;"], "int a; int b;", false);

    [Fact]
    public void EarliestOfSeveralStopsInOnePieceWins() => Check([";", "\n"], ["a\nb;"], "a", true);

    [Fact]
    public void StopAtTheVeryStart() => Check(["\n"], ["\nx"], "", true);

    [Fact]
    public void PartialStopAtTheEndIsFlushed() => Check(["<|im_end|>"], ["List", "<|im"], "List<|im", false);

    [Fact]
    public void StopTokenIdsAreRecognised()
    {
        var stopper = new TokenStopper(new HashSet<int> { 7 }, []);

        Assert.True(stopper.IsStopToken(7));
        Assert.False(stopper.IsStopToken(8));
    }
}
