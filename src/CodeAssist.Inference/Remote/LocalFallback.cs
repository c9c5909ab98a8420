using System.Runtime.CompilerServices;
using CodeAssist.Inference.Generation;
using CodeAssist.Inference.Models;
using CodeAssist.Inference.Prompts;

namespace CodeAssist.Inference.Remote;

/// <summary>
/// <c>fallback: "local"</c>: the team server answers while it can; once it cannot be reached (refused, unknown host,
/// TLS, 429/503, stalled) the local model does, loaded on first need. While the local model answers, no keystroke
/// waits on the server again: every <see cref="RecheckInterval"/> a request starts one check of the server in the
/// background (its model list), and once the server answers the next request goes to it again. The engine built the
/// prompt with the server model's format, so the local model gets its own prompt rebuilt from the request's FIM
/// pieces or chat turns.
/// </summary>
public sealed class LocalFallback : ITextGenerator, IDisposable
{
    /// <summary>How long the local model answers before the server is checked again: a stalled server costs a whole deadline per try.</summary>
    public static readonly TimeSpan RecheckInterval = TimeSpan.FromSeconds(10);

    /// <summary>A check that gets no answer by then found the server still unreachable.</summary>
    private static readonly TimeSpan RecheckTimeout = TimeSpan.FromSeconds(10);

    private readonly RemoteModel _remote;
    private readonly Lazy<LanguageModel?> _local;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private bool _answeringLocally;
    private DateTimeOffset _recheckAt;
    private Task? _recheck;

    public LocalFallback(RemoteModel remote, Func<LanguageModel?> loadLocal, TimeProvider? time = null)
    {
        _remote = remote;
        _local = new(loadLocal, LazyThreadSafetyMode.ExecutionAndPublication);
        _time = time ?? TimeProvider.System;
        remote.ProblemChanged += () => ProblemChanged?.Invoke();
    }

    public RemoteModel Remote => _remote;
    public string Name => _remote.Name;

    /// <summary>"llamacpp at https://gpu01:8080", and while the local model answers, which one (after a space: clients read the URL up to it).</summary>
    public string Backend => AnsweringLocally && _local.Value is { } local ? $"{_remote.Backend} (local model {local.Name} answering)" : _remote.Backend;

    /// <summary>The server model's languages; while the local model answers, the local model's (one that learned C# only is not offered Python).</summary>
    public bool CursorContextAboveCursorLine => AnsweringLocally && _local.Value is ITextGenerator local
        ? local.CursorContextAboveCursorLine
        : ((ITextGenerator)_remote).CursorContextAboveCursorLine;

    /// <summary>The prompt shape of the model answering: the local model's while it answers.</summary>
    public bool RefactoringPromptCodeOnly => AnsweringLocally && _local.Value is ITextGenerator local
        ? local.RefactoringPromptCodeOnly
        : ((ITextGenerator)_remote).RefactoringPromptCodeOnly;

    public ModelLanguages Languages => AnsweringLocally && _local.Value is ITextGenerator local ? local.Languages : ((ITextGenerator)_remote).Languages;

    public PromptFormat Format => _remote.Format;
    public TokenHealing Healing => _remote.Healing;
    public int Window => _remote.Window;
    public int GenerationCount => _remote.GenerationCount + (_local.IsValueCreated ? _local.Value?.GenerationCount ?? 0 : 0);

    /// <summary>Whether requests go to the local model now (the server was unreachable and has not answered a check since).</summary>
    public bool AnsweringLocally
    {
        get
        {
            lock (_gate)
                return _answeringLocally;
        }
    }

    public string? Problem => _remote.Problem is { } problem ? problem + (AnsweringLocally ? "; the local model answers meanwhile" : "") : null;

    public event Action? ProblemChanged;

    public int CountTokens(string text) => _remote.CountTokens(text);

    public async IAsyncEnumerable<string> StreamAsync(GenerationRequest request, Action<GenerationResult>? completed = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (!LocalAnswers())
        {
            var fallBack = false;
            var pieces = _remote.StreamAsync(request, completed, cancellationToken).GetAsyncEnumerator(cancellationToken);
            try
            {
                var answered = false;
                while (true)
                {
                    try
                    {
                        if (!await pieces.MoveNextAsync().ConfigureAwait(false))
                            break;
                    }
                    catch (TeamServerException e) when (e.ServerUnreachable && !answered && SwitchToLocal())
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
        }
        await foreach (var piece in _local.Value!.StreamAsync(ForLocal(request), completed, cancellationToken).ConfigureAwait(false))
            yield return piece;
    }

    public async Task<IReadOnlyList<GenerationResult>> GenerateCandidatesAsync(GenerationRequest request, int count, CancellationToken cancellationToken)
    {
        if (!LocalAnswers())
        {
            try
            {
                return await _remote.GenerateCandidatesAsync(request, count, cancellationToken).ConfigureAwait(false);
            }
            catch (TeamServerException e) when (e.ServerUnreachable && SwitchToLocal())
            {
                // The local model answers below.
            }
        }
        return await ((ITextGenerator)_local.Value!).GenerateCandidatesAsync(ForLocal(request), count, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Whether this request goes to the local model; when the interval has passed, it also starts a check of the server.</summary>
    private bool LocalAnswers()
    {
        lock (_gate)
        {
            if (!_answeringLocally)
                return false;
            if (_recheck is null && _time.GetUtcNow() >= _recheckAt)
                _recheck = Task.Run(RecheckAsync);
            return true;
        }
    }

    /// <summary>The server just proved unreachable: the local model answers from now on, if it loads.</summary>
    private bool SwitchToLocal()
    {
        if (_local.Value is null)
            return false;
        bool changed;
        lock (_gate)
        {
            changed = !_answeringLocally;
            _answeringLocally = true;
            _recheckAt = _time.GetUtcNow() + RecheckInterval;
        }
        if (changed)
            ProblemChanged?.Invoke();
        return true;
    }

    /// <summary>Asks the server for its models; an answer sends the next request back to it.</summary>
    private async Task RecheckAsync()
    {
        using var timeout = new CancellationTokenSource(RecheckTimeout);
        try
        {
            await _remote.ProbeAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
        {
            // No answer in time (still unreachable), or the backend was replaced meanwhile.
        }
        bool back;
        lock (_gate)
        {
            back = _remote.Problem is null;
            _answeringLocally = !back;
            _recheckAt = _time.GetUtcNow() + RecheckInterval;
            _recheck = null;
        }
        if (back)
            ProblemChanged?.Invoke();
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
        _remote.Dispose();
        if (_local.IsValueCreated)
            _local.Value?.Dispose();
    }
}
