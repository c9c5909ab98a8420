using CodeAssist.Bench.Performance;
using CodeAssist.Inference.Remote;

namespace CodeAssist.Bench.Tests;

/// <summary>
/// `bench --backend`'s prefix-cache figure while typing: the engine's own prompts go over the llama.cpp wire to the
/// stand-in, which counts its cache as llama-server's one slot does, and the figure comes from what it reports.
/// </summary>
public sealed class TeamServerBenchmarkTests
{
    [Fact]
    public void The_stand_in_lays_out_an_infill_prompt_as_llama_server_does_extra_chunks_first()
    {
        var prompt = LoopbackLlamaServer.InfillPrompt("""{ "input_extra": [{ "filename": "a.cs", "text": "class A {}" }], "input_prefix": "int x = ", "input_suffix": ";" }""");

        Assert.Equal("<|file_sep|>a.cs\nclass A {}<|fim_prefix|>int x = <|fim_suffix|>;<|fim_middle|>", prompt);
        Assert.Equal("not json", LoopbackLlamaServer.InfillPrompt("not json"));
    }

    [Fact]
    public async Task Typing_a_statement_reports_the_share_of_each_prompt_the_server_took_from_its_cache()
    {
        using var standIn = LoopbackLlamaServer.Start(LoopbackLlamaServer.BenchReply, new EngineSchedule(TimeSpan.Zero, TimeSpan.Zero));
        using var model = new RemoteModel(new TeamServerSettings(TeamServerKind.LlamaCpp, standIn.Url), _ => { });
        await model.ProbeAsync(CancellationToken.None);

        var figures = await TeamServerBenchmark.PrefixCacheWhileTypingAsync(model, CancellationToken.None);

        // One request per keystroke after the first, which fills the cache.
        Assert.Equal("_prices.Where(p => p > 0).Sum();".Length, figures.Keystrokes);
        // Typing inside a word keeps everything before the cursor: most keystrokes reuse most of the prompt.
        Assert.InRange(figures.MedianShare, 0.5, 1.0);
        Assert.InRange(figures.TotalShare, 0.0, 1.0);
        Assert.True(figures.Misses.Count < figures.Keystrokes, string.Join(", ", figures.Misses));
    }
}
