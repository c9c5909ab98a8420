using CodeAssist.Engine.Context;

namespace CodeAssist.Bench.Performance;

/// <summary>
/// The server's context sources, each timed, behind a probe that asks for the request's semantic model first (as the
/// sources get it: a compilation update after a change of declarations, else the edited method bound against the
/// last compilation), so each source's own time is what it adds. The probe changes no total: the request makes that
/// model once and the declarations source needs it at every position anyway.
/// </summary>
internal sealed class TimedContextSources
{
    private readonly List<TimedSource> _timed;

    public TimedContextSources(IReadOnlyList<IContextSource> sources)
    {
        _timed = [new TimedSource("semantic model", new SemanticModelProbe()),
            .. sources.Select(s => s is IIncrementalContextSource incremental
                ? new TimedIncrementalSource(Describe(s), incremental)
                : new TimedSource(Describe(s), s))];
    }

    public IReadOnlyList<IContextSource> Sources => _timed;

    /// <summary>Wall milliseconds each source took in the latest build, by name.</summary>
    public IReadOnlyDictionary<string, double> Latest() => _timed.ToDictionary(t => t.Name, t => t.LastMilliseconds);

    /// <summary>CPU milliseconds of this process while each source ran in the latest build (sources run one after another).</summary>
    public IReadOnlyDictionary<string, double> LatestCpu() => _timed.ToDictionary(t => t.Name, t => t.LastCpuMilliseconds);

    public void Reset()
    {
        foreach (var timed in _timed)
        {
            timed.LastMilliseconds = 0;
            timed.LastCpuMilliseconds = 0;
        }
    }

    /// <summary>"ReceiverMembersSource" → "receiver members".</summary>
    private static string Describe(IContextSource source)
    {
        var name = source.GetType().Name;
        if (name.EndsWith("Source", StringComparison.Ordinal))
            name = name[..^"Source".Length];
        var words = new System.Text.StringBuilder();
        foreach (var c in name)
        {
            if (char.IsUpper(c) && words.Length > 0)
                words.Append(' ');
            words.Append(char.ToLowerInvariant(c));
        }
        return words.ToString();
    }

    private class TimedSource(string name, IContextSource inner) : IContextSource
    {
        public string Name { get; } = name;
        public ContextPlacement Placement => inner.Placement;
        public double LastMilliseconds { get; set; }
        public double LastCpuMilliseconds { get; set; }

        public async Task<IReadOnlyList<ContextCandidate>> GetAsync(ContextRequest request, CancellationToken cancellationToken)
        {
            var cpu = CpuClock.ThisProcessMilliseconds();
            var start = Clock.Now();
            try
            {
                return await inner.GetAsync(request, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                LastMilliseconds = Clock.MillisecondsSince(start);
                LastCpuMilliseconds = CpuClock.ThisProcessMilliseconds() - cpu;
            }
        }
    }

    /// <summary>Times every step of a one-by-one source, added up: the builder may stop asking at any step.</summary>
    private sealed class TimedIncrementalSource(string name, IIncrementalContextSource inner) : TimedSource(name, inner), IIncrementalContextSource
    {
        public int SmallestUsefulPiece(Func<string, int> countTokens) => inner.SmallestUsefulPiece(countTokens);

        public async IAsyncEnumerable<ContextCandidate> GetOneByOneAsync(
            ContextRequest request, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
        {
            var enumerator = inner.GetOneByOneAsync(request, cancellationToken).GetAsyncEnumerator(cancellationToken);
            try
            {
                while (true)
                {
                    var cpu = CpuClock.ThisProcessMilliseconds();
                    var start = Clock.Now();
                    bool more;
                    try
                    {
                        more = await enumerator.MoveNextAsync().ConfigureAwait(false);
                    }
                    finally
                    {
                        LastMilliseconds += Clock.MillisecondsSince(start);
                        LastCpuMilliseconds += CpuClock.ThisProcessMilliseconds() - cpu;
                    }
                    if (!more)
                        yield break;
                    yield return enumerator.Current;
                }
            }
            finally
            {
                await enumerator.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private sealed class SemanticModelProbe : IContextSource
    {
        public ContextPlacement Placement => ContextPlacement.BeforeFile;

        public async Task<IReadOnlyList<ContextCandidate>> GetAsync(ContextRequest request, CancellationToken cancellationToken)
        {
            await request.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
            return [];
        }
    }
}
