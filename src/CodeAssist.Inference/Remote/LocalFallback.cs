using System.Runtime.CompilerServices;
using CodeAssist.Inference.Generation;
using CodeAssist.Inference.Prompts;

namespace CodeAssist.Inference.Remote;

/// <summary>
/// <c>fallback: "local"</c>: the team server answers while it can; while it cannot be reached (refused, unknown
/// host, TLS, 429/503, stalled) the local model does, loaded on first need. The engine built the prompt with the
/// server model's format, so the local model gets its own prompt rebuilt from the request's FIM pieces or chat turns.
/// </summary>
public sealed class LocalFallback(RemoteModel remote, Func<LanguageModel?> loadLocal) : ITextGenerator, IDisposable
{
    private readonly Lazy<LanguageModel?> _local = new(loadLocal, LazyThreadSafetyMode.ExecutionAndPublication);
    private volatile bool _answeredLocally;

    public RemoteModel Remote => remote;
    public string Name => remote.Name;
    public string Backend => _answeredLocally && remote.Problem is not null ? $"{remote.Backend}, local model answering" : remote.Backend;
    public PromptFormat Format => remote.Format;
    public TokenHealing Healing => remote.Healing;
    public int Window => remote.Window;
    public int GenerationCount => remote.GenerationCount + (_local.IsValueCreated ? _local.Value?.GenerationCount ?? 0 : 0);

    public string? Problem => remote.Problem is { } problem ? problem + (_answeredLocally ? "; the local model answers meanwhile" : "") : null;

    public event Action? ProblemChanged
    {
        add => remote.ProblemChanged += value;
        remove => remote.ProblemChanged -= value;
    }

    public int CountTokens(string text) => remote.CountTokens(text);

    public async IAsyncEnumerable<string> StreamAsync(GenerationRequest request, Action<GenerationResult>? completed = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var fallBack = false;
        var answered = false;
        var pieces = remote.StreamAsync(request, completed, cancellationToken).GetAsyncEnumerator(cancellationToken);
        try
        {
            while (true)
            {
                try
                {
                    if (!await pieces.MoveNextAsync().ConfigureAwait(false))
                        break;
                }
                catch (TeamServerException e) when (e.ServerUnreachable && !answered && Local() is not null)
                {
                    fallBack = true;
                    break;
                }
                answered = true;
                yield return pieces.Current;
            }
        }
        finally
        {
            await pieces.DisposeAsync().ConfigureAwait(false);
        }
        if (!fallBack)
            yield break;
        await foreach (var piece in Local()!.StreamAsync(ForLocal(request), completed, cancellationToken).ConfigureAwait(false))
            yield return piece;
    }

    public async Task<IReadOnlyList<GenerationResult>> GenerateCandidatesAsync(GenerationRequest request, int count, CancellationToken cancellationToken)
    {
        try
        {
            var results = await remote.GenerateCandidatesAsync(request, count, cancellationToken).ConfigureAwait(false);
            _answeredLocally = false;
            return results;
        }
        catch (TeamServerException e) when (e.ServerUnreachable && Local() is { } local)
        {
            return await ((ITextGenerator)local).GenerateCandidatesAsync(ForLocal(request), count, cancellationToken).ConfigureAwait(false);
        }
    }

    private LanguageModel? Local()
    {
        var local = _local.Value;
        if (local is not null)
            _answeredLocally = true;
        return local;
    }

    /// <summary>The request in the local model's own prompt format; healing stays off, as the server's prompt had none.</summary>
    private GenerationRequest ForLocal(GenerationRequest request)
    {
        var format = _local.Value!.Format;
        var prompt = request.Chat is { } chat ? format.Chat.Build(chat.System, chat.User)
            : request.Fim is { } fim ? format.BuildCompletion(fim)
            : request.Prompt;
        return request with { Prompt = prompt, HealedText = "" };
    }

    public void Dispose()
    {
        remote.Dispose();
        if (_local.IsValueCreated)
            _local.Value?.Dispose();
    }
}
