using CodeAssist.Bench.Performance;
using CodeAssist.Inference;
using CodeAssist.Inference.Devices;
using CodeAssist.Inference.Remote;
using CodeAssist.ModelFactory;

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
        var prompt = LoopbackLlamaServer.InfillPrompt(
            """{ "input_extra": [{ "filename": "a.cs", "text": "class A {}" }], "input_prefix": "int x = ", "input_suffix": ";" }""");

        Assert.Equal("<|file_sep|>a.cs\nclass A {}<|fim_prefix|>int x = <|fim_suffix|>;<|fim_middle|>", prompt);
        Assert.Equal("not json", LoopbackLlamaServer.InfillPrompt("not json"));
    }

    [Fact]
    public async Task Typing_a_statement_with_a_dot_and_parentheses_keeps_each_prompt_cached_with_the_cursor_pieces_above_its_line()
    {
        using var standIn = LoopbackLlamaServer.Start(LoopbackLlamaServer.BenchReply, new EngineSchedule(TimeSpan.Zero, TimeSpan.Zero));
        using var model = new RemoteModel(new TeamServerSettings(TeamServerKind.LlamaCpp, standIn.Url), _ => { });
        await model.ProbeAsync(CancellationToken.None);

        var before = await TeamServerBenchmark.PrefixCacheWhileTypingAsync(
            model, TeamServerBenchmark.TypingLayout.EveryPieceBeforeFile, CancellationToken.None);
        var placed = await TeamServerBenchmark.PrefixCacheWhileTypingAsync(model, TeamServerBenchmark.TypingLayout.AsPlaced, CancellationToken.None);

        // One request per keystroke after the first, which fills the cache.
        Assert.Equal("_prices.Where(p => p > 0).Sum();".Length, placed.Keystrokes);
        // With every piece before the file, the member list after "_prices." and the overloads after "Where(" change
        // the prompt's start: the server evaluates all of it again.
        Assert.Contains(before.Misses, miss => miss.StartsWith("\"_prices.\"", StringComparison.Ordinal));
        Assert.Contains(before.Misses, miss => miss.StartsWith("\"_prices.Where(\"", StringComparison.Ordinal));
        // Above the cursor's line they change only the prompt's end: no keystroke loses what lies before that line.
        Assert.True(placed.Misses.Count == 0, string.Join(", ", placed.Misses));
        Assert.True(placed.FewestCached >= placed.FirstCached * 0.9,
            $"{placed.FewestCached} tokens kept at worst, {placed.FirstCached} at the first keystroke");
        Assert.True(before.FewestCached < before.FirstCached / 4,
            $"{before.FewestCached} tokens kept at worst before, {before.FirstCached} at the first keystroke");
        Assert.True(placed.TotalShare > before.TotalShare, $"{placed.TotalShare:P0} of all prompt tokens cached, {before.TotalShare:P0} before");
        Assert.True(placed.Evaluated < before.Evaluated, $"{placed.Evaluated} tokens evaluated, {before.Evaluated} before");
    }

    /// <summary>In a file longer than the window, the window's start too must stay put while a line is typed.</summary>
    [Fact]
    public async Task Typing_a_statement_in_a_file_longer_than_the_window_keeps_what_lies_before_the_cursors_line_cached()
    {
        using var standIn = LoopbackLlamaServer.Start(LoopbackLlamaServer.BenchReply, new EngineSchedule(TimeSpan.Zero, TimeSpan.Zero));
        using var model = new RemoteModel(new TeamServerSettings(TeamServerKind.LlamaCpp, standIn.Url), _ => { });
        await model.ProbeAsync(CancellationToken.None);

        var placed = await TeamServerBenchmark.PrefixCacheWhileTypingAsync(
            model, TeamServerBenchmark.TypingLayout.AsPlaced, CancellationToken.None, longFile: true);

        Assert.True(placed.Misses.Count == 0, string.Join(", ", placed.Misses));
        Assert.True(placed.FewestCached >= placed.FirstCached * 0.9,
            $"{placed.FewestCached} tokens kept at worst, {placed.FirstCached} at the first keystroke");
        Assert.True(placed.MinimumShare >= 0.5, $"{placed.MinimumShare:P0} of a prompt cached at worst");
    }

    /// <summary>The local model's own prefix cache (GenAI's KV cache, rewound) over the same typing, with the real runtime.</summary>
    [Fact]
    public async Task The_local_models_KV_cache_is_reused_at_every_keystroke_of_a_statement_with_a_dot_and_parentheses()
    {
        var folder = Directory.CreateTempSubdirectory("codeassist-typing-model-");
        try
        {
            ModelFolderWriter.WriteScripted(folder.FullName, "x;\n");
            using var model = LanguageModel.Load(folder.FullName, DevicePreference.Cpu);

            var placed = await TeamServerBenchmark.PrefixCacheWhileTypingAsync(model, TeamServerBenchmark.TypingLayout.AsPlaced, CancellationToken.None);

            Assert.Equal("_prices.Where(p => p > 0).Sum();".Length, placed.Keystrokes);
            Assert.True(placed.Misses.Count == 0, string.Join(", ", placed.Misses));
            Assert.True(placed.FewestCached >= placed.FirstCached * 0.9,
                $"{placed.FewestCached} tokens kept at worst, {placed.FirstCached} at the first keystroke");
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
