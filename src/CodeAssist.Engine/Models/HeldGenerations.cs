using System.Runtime.CompilerServices;
using CodeAssist.Inference;
using CodeAssist.Inference.Generation;
using CodeAssist.Inference.Models;
using CodeAssist.Inference.Prompts;

namespace CodeAssist.Engine.Models;

/// <summary>
/// A test seam, off in the product (<see cref="Hosting.EngineOptions.HeldGenerations"/> is 0): the first N generations
/// the engine asks for give their first piece of text and then wait until they are cancelled (by the request, a
/// newer keystroke or the model being unloaded), so a test that cancels a generation knows it is still running
/// however loaded the machine is, instead of hoping that a long reply outlasts the cancel. Later generations run
/// untouched. `codeassist serve` reads N from <see cref="Variable"/>; in-process tests set the option.
/// </summary>
public sealed class HeldGenerations(int count)
{
    /// <summary>The environment variable `codeassist serve` reads the count from (absent or 0: nothing is held).</summary>
    public const string Variable = "CODEASSIST_TEST_HELD_GENERATIONS";

    private int _remaining = count;

    /// <summary>The count <see cref="Variable"/> gives, 0 when it is absent or not a positive number.</summary>
    public static int FromEnvironment() =>
        int.TryParse(Environment.GetEnvironmentVariable(Variable), out var count) && count > 0 ? count : 0;

    /// <summary>Wraps a loaded model so that its generations are held while the count lasts; the count spans model swaps.</summary>
    public ITextGenerator Wrap(ITextGenerator model) => new HeldModel(model, this);

    private bool TakeOne() => Interlocked.Decrement(ref _remaining) >= 0;

    /// <summary>
    /// The model with its generations held. Candidates take the interface's default loop over this stream (a team
    /// server's single request for n choices is not used while testing with it); the local model's type is hidden,
    /// so status and stats report no device for it.
    /// </summary>
    private sealed class HeldModel(ITextGenerator inner, HeldGenerations held) : ITextGenerator, IDisposable
    {
        private readonly CancellationTokenSource _unloaded = new();

        public string Name => inner.Name;
        public string Backend => inner.Backend;
        public string? Problem => inner.Problem;
        public ModelLanguages Languages => inner.Languages;
        public bool CursorContextAboveCursorLine => inner.CursorContextAboveCursorLine;
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
            if (!held.TakeOne())
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
