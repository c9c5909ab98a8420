using System.Runtime.CompilerServices;
using CodeAssist.Engine.Context;
using CodeAssist.Engine.Documents;
using CodeAssist.Engine.Workspace;
using CodeAssist.ModelFactory;

namespace CodeAssist.Engine.Tests.Context;

/// <summary>
/// The builder packs sources in order, best first, and asks a one-by-one source for its next candidate only while the
/// budget can still take a piece: the work behind candidates that could not fit is never done.
/// </summary>
public sealed class ContextPackingTests : IDisposable
{
    private readonly DocumentStore _documents = new();
    private readonly CodeWorkspace _workspace = new();

    private static int CountTokens(string text) => ByteLevelBpeTokenizer.Default.Encode(text).Count;

    /// <summary>Offers outlines of twenty lines each and counts how many the builder asked for.</summary>
    private sealed class CountingSource(double priority, int smallestUseful = 16) : IIncrementalContextSource
    {
        public int Asked { get; private set; }

        public ContextPlacement Placement => ContextPlacement.BeforeFile;

        public int SmallestUsefulPiece(Func<string, int> countTokens) => smallestUseful;

        public async IAsyncEnumerable<ContextCandidate> GetOneByOneAsync(ContextRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            for (var i = 0; i < 6; i++)
            {
                Asked++;
                await Task.Yield();
                var members = string.Concat(Enumerable.Range(0, 18).Select(m => $"    public int Member{m} {{ get; }}\n"));
                yield return new ContextCandidate(
                    "declaration", $"Type{i}.cs", $"namespace Notes;\npublic sealed class Type{i}\n{{\n" + members + "}", priority - 0.02 * i, HeaderLines: 3);
            }
        }

        public async Task<IReadOnlyList<ContextCandidate>> GetAsync(ContextRequest request, CancellationToken cancellationToken)
        {
            var all = new List<ContextCandidate>();
            await foreach (var candidate in GetOneByOneAsync(request, cancellationToken))
                all.Add(candidate);
            return all;
        }
    }

    private sealed class FixedSource(string kind, string text, double priority) : IContextSource
    {
        public bool Asked { get; private set; }

        public ContextPlacement Placement => ContextPlacement.BeforeFile;

        public Task<IReadOnlyList<ContextCandidate>> GetAsync(ContextRequest request, CancellationToken cancellationToken)
        {
            Asked = true;
            return Task.FromResult<IReadOnlyList<ContextCandidate>>([new ContextCandidate(kind, kind, text, priority)]);
        }
    }

    private int _files;

    /// <summary>A short plain-text file, so the windows are whole at every budget used here.</summary>
    private Task<CompletionContext> Build(IReadOnlyList<IContextSource> sources, int budget)
    {
        const string text = "first line\nsecond line\nthird line\n";
        var document = _documents.Open(new Uri($"file:///work/notes{_files++}.txt"), "plaintext", 1, text);
        return new ContextBuilder(_workspace, sources).BuildAsync(document, "first line\n".Length, budget, CountTokens, null, CancellationToken.None);
    }

    [Fact]
    public async Task A_one_by_one_source_is_asked_only_for_what_the_budget_can_take()
    {
        var whole = await Build([new CountingSource(0.8)], 100_000);
        var oneOutline = Assert.Single(whole.Pieces, p => p.Source == "Type0.cs").Tokens;
        var windows = whole.Pieces.Where(p => p.Kind is "prefix" or "suffix").Sum(p => p.Tokens);

        // Room for the windows, one whole outline and part of a second.
        var budget = windows + oneOutline * 3 / 2;
        var counting = new CountingSource(0.8);
        var later = new FixedSource("recent", "var a = 1;\nvar b = 2;", 0.5);
        var context = await Build([counting, later], budget);

        Assert.Equal(2, counting.Asked);
        Assert.False(later.Asked, "the budget was spent before the later source's turn");
        Assert.Equal(["Type0.cs", "Type1.cs"], context.Pieces.Where(p => p.Kind == "declaration").Select(p => p.Source));
        Assert.True(context.Pieces.Sum(p => p.Tokens) <= budget);
    }

    [Fact]
    public async Task Sources_are_packed_in_order_and_every_piece_fits()
    {
        var first = new FixedSource("scope", "namespace Notes;\nclass Outline", 1.0);
        var counting = new CountingSource(0.8);
        var context = await Build([first, counting], 100_000);

        Assert.Equal(["scope", "declaration", "declaration", "declaration", "declaration", "declaration", "declaration"],
            context.Pieces.Where(p => p.Kind is not ("prefix" or "suffix")).Select(p => p.Kind));
        Assert.Equal(6, counting.Asked);
    }

    /// <summary>A piece packed before the others, so budgets stay large enough for the windows to be whole.</summary>
    private static FixedSource Filler() => new("scope", string.Join("\n", Enumerable.Range(0, 40).Select(i => $"using Filler{i};")), 1.0);

    [Fact]
    public async Task An_outline_cut_to_its_header_is_left_out_and_its_tokens_go_to_the_prefix()
    {
        var whole = await Build([Filler(), new CountingSource(0.8)], 100_000);
        var fixedTokens = whole.Pieces.Where(p => p.Kind is "prefix" or "suffix" or "scope").Sum(p => p.Tokens);
        var header = CountTokens("namespace Notes;\npublic sealed class Type0\n{");
        var withOneMember = CountTokens("namespace Notes;\npublic sealed class Type0\n{\n    public int Member0 { get; }");
        Assert.True(header >= 16 && withOneMember > header + 1);

        var withTwoMembers = CountTokens("namespace Notes;\npublic sealed class Type0\n{\n    public int Member0 { get; }\n    public int Member1 { get; }");
        var cut = await Build([Filler(), new CountingSource(0.8)], fixedTokens + withTwoMembers);
        var headerOnly = await Build([Filler(), new CountingSource(0.8)], fixedTokens + withOneMember - 1);

        Assert.StartsWith(
            "namespace Notes;\npublic sealed class Type0\n{\n    public int Member0 { get; }", Assert.Single(cut.Pieces, p => p.Kind == "declaration").Text);
        Assert.DoesNotContain(headerOnly.Pieces, p => p.Kind == "declaration");
    }

    [Fact]
    public async Task A_one_by_one_source_is_not_asked_when_less_than_its_smallest_useful_piece_is_left()
    {
        var whole = await Build([Filler(), new CountingSource(0.8)], 100_000);
        var fixedTokens = whole.Pieces.Where(p => p.Kind is "prefix" or "suffix" or "scope").Sum(p => p.Tokens);

        var counting = new CountingSource(0.8, smallestUseful: 100);
        var context = await Build([Filler(), counting], fixedTokens + 99);
        var enough = new CountingSource(0.8, smallestUseful: 100);
        await Build([Filler(), enough], fixedTokens + 100);

        Assert.Equal(0, counting.Asked);
        Assert.DoesNotContain(context.Pieces, p => p.Kind == "declaration");
        Assert.Equal(1, enough.Asked);
    }

    public void Dispose() => _workspace.Dispose();
}
