using System.Runtime.CompilerServices;
using CodeAssist.Inference;
using CodeAssist.Inference.Generation;
using CodeAssist.Inference.Models;
using CodeAssist.Inference.Prompts;

namespace CodeAssist.Engine.Models;

/// <summary>
/// A test seam, off in the product (<see cref="Hosting.EngineOptions.HeldGenerations"/> is null): a held generation
/// gives its first piece of text and then waits until it is cancelled (by the request, a newer keystroke or the model
/// being unloaded), so a test that cancels a generation knows it is still running however loaded the machine is,
/// instead of hoping that a long reply outlasts the cancel. Which generations are held: the first N the engine asks
/// for (a test that owns its server), or those whose prompt contains a marker (an editor test sharing one server
/// across cases types the marker). Other generations run untouched. `codeassist serve` reads it from
/// <see cref="Variable"/>; in-process tests set the option.
/// </summary>
public sealed class HeldGenerations
{
    /// <summary>`codeassist serve` reads this: a count ("2"), or "containing:TEXT" for prompts that contain TEXT.</summary>
    public const string Variable = "CODEASSIST_TEST_HELD_GENERATIONS";

    private const string ContainingPrefix = "containing:";
    private readonly string? _marker;
    private readonly Func<string, bool>? _holdsPrompt;
    private int _remaining;

    /// <summary>Holds the first <paramref name="count"/> generations; the count spans model swaps.</summary>
    public HeldGenerations(int count) => _remaining = count;

    /// <summary>Holds every generation whose prompt contains <paramref name="marker"/>.</summary>
    public HeldGenerations(string marker) => _marker = marker;

    /// <summary>
    /// Holds every generation whose prompt <paramref name="holdsPrompt"/> picks (in-process tests): unlike a count,
    /// which generation is held does not depend on which requests reached the model before a newer one superseded them.
    /// </summary>
    public HeldGenerations(Func<string, bool> holdsPrompt) => _holdsPrompt = holdsPrompt;

    /// <summary>What <see cref="Variable"/> asks for; null when it is absent, empty or neither form.</summary>
    public static HeldGenerations? FromEnvironment() => Environment.GetEnvironmentVariable(Variable) switch
    {
        { } value when value.StartsWith(ContainingPrefix, StringComparison.Ordinal) && value.Length > ContainingPrefix.Length =>
            new HeldGenerations(value[ContainingPrefix.Length..]),
        { } value when int.TryParse(value, out var count) && count > 0 => new HeldGenerations(count),
        _ => null,
    };

    /// <summary>Wraps a loaded model so that the generations this seam names are held.</summary>
    public ITextGenerator Wrap(ITextGenerator model) => new HeldModel(model, this);

    /// <summary>The model as loaded, for what reads its concrete type (the device in the status, speculation stats).</summary>
    public static ITextGenerator Unwrap(ITextGenerator model) => model is HeldModel held ? held.Inner : model;

    private bool Holds(GenerationRequest request) =>
        _holdsPrompt is not null ? _holdsPrompt(request.Prompt)
        : _marker is not null ? request.Prompt.Contains(_marker, StringComparison.Ordinal)
        : Interlocked.Decrement(ref _remaining) >= 0;

    /// <summary>
    /// The model with its generations held. Candidates take the interface's default loop over this stream (a team
    /// server's single request for n choices is not used while testing with it).
    /// </summary>
    private sealed class HeldModel(ITextGenerator inner, HeldGenerations held) : ITextGenerator, IDisposable
    {
        private readonly CancellationTokenSource _unloaded = new();

        public ITextGenerator Inner => inner;

        public string Name => inner.Name;
        public string Backend => inner.Backend;
        public string? Problem => inner.Problem;
        public ModelLanguages Languages => inner.Languages;
        public bool CursorContextAboveCursorLine => inner.CursorContextAboveCursorLine;
        public bool RefactoringPromptCodeOnly => inner.RefactoringPromptCodeOnly;
        public int GenerationCount => inner.GenerationCount;
        public PromptFormat Format => inner.Format;
        public TokenHealing Healing => inner.Healing;
        public int Window => inner.Window;

        public event Action? ProblemChanged
        {
            add => inner.ProblemChanged += value;
            remove => inner.ProblemChanged -= value;
        }

        public int CountTokens(string text) => inner.CountTokens(text);

        public async IAsyncEnumerable<string> StreamAsync(GenerationRequest request, Action<GenerationResult>? completed = null,
            [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            if (!held.Holds(request))
            {
                await foreach (var piece in inner.StreamAsync(request, completed, cancellationToken).ConfigureAwait(false))
                    yield return piece;
                yield break;
            }
            using var holding = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _unloaded.Token);
            await foreach (var piece in inner.StreamAsync(request, completed: null, holding.Token).ConfigureAwait(false))
            {
                yield return piece;
                break;
            }
            // Held: the only way on is a cancellation, which ends the stream as the real model's does.
            await Task.Delay(Timeout.Infinite, holding.Token).ConfigureAwait(false);
        }

        public void Dispose()
        {
            _unloaded.Cancel();
            (inner as IDisposable)?.Dispose();
        }
    }
}
