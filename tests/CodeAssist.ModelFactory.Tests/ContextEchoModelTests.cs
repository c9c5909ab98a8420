namespace CodeAssist.ModelFactory.Tests;

/// <summary>
/// The context-echo model through the real GenAI runtime: its reply is the last marked identifier of the prompt's
/// context files, and nothing when the context has none — whatever the current file holds.
/// </summary>
public sealed class ContextEchoModelTests : IDisposable
{
    private readonly TempDirectory _folder = new();
    private readonly GenAiSession _session;

    public ContextEchoModelTests()
    {
        ModelFolderWriter.WriteContextEcho(_folder.Path);
        _session = new GenAiSession(_folder.Path);
    }

    public void Dispose()
    {
        _session.Dispose();
        _folder.Dispose();
    }

    private string Reply(string prompt)
    {
        using var generator = _session.StartGenerator(2048);
        generator.AppendTokens(_session.Encode(prompt));
        return _session.Tokenizer.Decode(GenAiSession.GenerateToEnd(generator));
    }

    private static string Prompt(string context, string prefix, string suffix = "\n") =>
        $"<|repo_name|>shop\n{context}<|file_sep|>Program.cs\n<|fim_prefix|>{prefix}<|fim_suffix|>{suffix}<|fim_middle|>";

    [Theory]
    [InlineData("<|file_sep|>members of Warehouse\n// w is Warehouse; its members:\nint ΩReserved { get; }\nvoid Ship(int crates)\n", "ΩReserved")]
    [InlineData("<|file_sep|>Ship overloads\nvoid Ship(int λCrates)\nvoid Ship(string destination)\n", "λCrates")]
    [InlineData("<|file_sep|>a.cs\nclass A { int ΩFirst; }\n<|file_sep|>b.cs\nclass B { int Σ_second2; }\n", "Σ_second2")]
    public void Replies_with_the_last_marked_identifier_of_the_context(string context, string expected) =>
        Assert.Equal(expected, Reply(Prompt(context, "var w = new Warehouse();\nw.")));

    [Fact]
    public void Replies_nothing_when_the_context_has_no_marked_identifier_even_if_the_current_files_suffix_has_one() =>
        Assert.Equal("", Reply(Prompt(
            "<|file_sep|>members of Warehouse\nint Reserved { get; }\n", "var w = new Warehouse();\nw.", " ΩLocal;\nint ΩLocal = 1;\n")));

    /// <summary>Where the context that depends on the cursor's token goes: comment lines just above the cursor's line.</summary>
    [Fact]
    public void Replies_with_a_marked_identifier_from_the_comment_lines_above_the_cursors_line() =>
        Assert.Equal("ΩReserved", Reply(Prompt(
            "<|file_sep|>a.cs\nclass A { int ΣOther; }\n",
            "var w = new Warehouse();\n// w is Warehouse; its members:\n// int ΩReserved { get; }\nw.")));

    [Fact]
    public void A_rewound_prompt_with_other_context_gets_the_other_identifier()
    {
        var first = _session.Encode(Prompt("<|file_sep|>x.cs\nint ΩOld;\n", "w."));
        var second = _session.Encode(Prompt("<|file_sep|>x.cs\nint ΩNew;\n", "w."));
        var common = first.Zip(second).TakeWhile(p => p.First == p.Second).Count();
        using var generator = _session.StartGenerator(2048);
        generator.AppendTokens(first);
        Assert.Equal("ΩOld", _session.Tokenizer.Decode(GenAiSession.GenerateToEnd(generator)));

        generator.RewindTo((ulong)common);
        generator.AppendTokens(second.AsSpan(common));

        Assert.Equal("ΩNew", _session.Tokenizer.Decode(GenAiSession.GenerateToEnd(generator)));
    }
}
