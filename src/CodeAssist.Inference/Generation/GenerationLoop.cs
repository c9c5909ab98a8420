using System.Diagnostics;
using CodeAssist.Inference.Models;
using CodeAssist.Inference.Tokenization;
using Microsoft.ML.OnnxRuntimeGenAI;

namespace CodeAssist.Inference.Generation;

/// <summary>
/// One generation, token by token: greedy on the cached generator (<see cref="KvPrefixCache"/>) or sampled on a fresh
/// one, the first tokens constrained by token healing, with cancellation checked between tokens, the deadline, the
/// window, stop tokens and stop strings. Everything here runs on the generation worker thread and only there:
/// GenAI generators are not free-threaded, and this class holds no lock because nothing else touches its state.
/// </summary>
internal sealed class GenerationLoop : IDisposable
{
    private readonly Model _model;
    private readonly ModelTokenizer _tokenizer;
    private readonly ModelFolder _folder;
    private readonly int _window;
    private readonly IReadOnlySet<int> _stopTokenIds;
    private readonly IReadOnlyList<string> _stopTokenTexts;
    private readonly KvPrefixCache _cache;
    private readonly bool _speculates;
    private readonly Lock _totalsGate = new();
    private SpeculationCounts _speculationTotals = SpeculationCounts.Zero;
    private HealingVocabulary? _healingVocabulary;
    private readonly Task<HealingVocabulary>? _healingVocabularyBuild;
    private int _completed;

    public GenerationLoop(Model model, ModelTokenizer tokenizer, ModelFolder folder, int window)
    {
        _model = model;
        _tokenizer = tokenizer;
        _folder = folder;
        _window = window;
        (_stopTokenIds, _stopTokenTexts) = tokenizer.StopTokens(folder.Format.StopTokens);
        _cache = new KvPrefixCache(model, () => NewParams(null), rewindable: folder.Speculation.Mode != SpeculationMode.DraftModel);
        _speculates = folder.Speculation.Mode != SpeculationMode.None;
        // Built off the generation thread right after load: with a 151,936-row vocabulary the first healed request
        // would otherwise wait for it.
        if (folder.Healing.Enabled && folder.VocabSize is { } rows)
            _healingVocabularyBuild = Task.Run(() => BuildHealingVocabulary(rows));
    }

    /// <summary>Speculation counters summed over finished generations; read from any thread.</summary>
    public SpeculationCounts SpeculationTotals
    {
        get
        {
            lock (_totalsGate)
                return _speculationTotals;
        }
    }

    /// <summary>Generations that ended normally; read from any thread.</summary>
    public int Completed => Volatile.Read(ref _completed);

    /// <summary>The token sequence of the cached greedy generator, for tests; read it only while no generation runs.</summary>
    public IReadOnlyList<int> CachedSequence => _cache.Sequence;

    public GenerationResult Run(GenerationRequest request, Action<string> emit, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var clock = Stopwatch.StartNew();
        var prompt = _tokenizer.EncodePrompt(request.Prompt);
        if (prompt.Length == 0)
            throw new ArgumentException("the prompt is empty");
        if (prompt.Length >= _window)
            throw new ArgumentException($"the prompt has {prompt.Length} tokens but {_folder.Name} takes at most {_window - 1}; lower the context budget");
        var maxNew = Math.Min(request.MaxNewTokens, _window - prompt.Length);

        GeneratorParams? sampledParams = null;
        Generator generator;
        var reused = 0;
        if (request.Sampling is { } sampling)
        {
            sampledParams = NewParams(sampling);
            generator = new Generator(_model, sampledParams);
        }
        else
        {
            generator = _cache.Prepare(prompt, request.ReusePrefix, out reused);
        }

        var newTokens = 0;
        var completedNormally = false;
        try
        {
            if (sampledParams is not null)
                generator.AppendTokens(prompt);
            // GenAI's counters are the generator's whole life, and the cached generator serves many requests.
            var speculationBefore = _speculates ? SpeculationCounts.Of(generator) : null;
            var stopper = new TokenStopper(_stopTokenIds, [.. request.StopStrings, .. _stopTokenTexts]);
            using var stream = _tokenizer.CreateStream();
            var text = new System.Text.StringBuilder();
            var firstToken = TimeSpan.Zero;
            var healing = new HealingConstraint(request.HealedText, HealingVocabularyOfSize, _tokenizer.EncodeContinuation);
            StopReason reason;
            while (true)
            {
                if (newTokens >= maxNew)
                {
                    reason = newTokens >= request.MaxNewTokens ? StopReason.MaxTokens : StopReason.ContextFull;
                    break;
                }
                if (request.Deadline is { } deadline && clock.Elapsed > deadline)
                {
                    reason = StopReason.Deadline;
                    break;
                }
                cancellationToken.ThrowIfCancellationRequested();
                if (generator.IsDone())
                {
                    reason = StopReason.EndOfText;
                    break;
                }
                int token;
                if (healing.IsActive)
                {
                    token = healing.NextToken(generator);
                    generator.AppendTokens([token]);
                }
                else
                {
                    var before = generator.TokenCount();
                    generator.GenerateNextToken();
                    // GenAI 0.18 ends on the model's end-of-text token without appending it: IsDone() turns true and
                    // the sequence keeps its length, so GetNextTokens() would return the previous token again.
                    if (generator.TokenCount() == before)
                    {
                        reason = StopReason.EndOfText;
                        break;
                    }
                    token = generator.GetNextTokens()[0];
                }
                if (newTokens++ == 0)
                    firstToken = clock.Elapsed;
                if (stopper.IsStopToken(token))
                {
                    reason = StopReason.StopToken;
                    break;
                }
                var (released, stopped) = stopper.Add(healing.Visible(stream.Decode(token)));
                if (released.Length > 0)
                {
                    text.Append(released);
                    emit(released);
                }
                if (stopped)
                {
                    reason = StopReason.StopString;
                    break;
                }
            }
            if (reason is not StopReason.StopString)
            {
                var rest = stopper.Flush();
                if (rest.Length > 0)
                {
                    text.Append(rest);
                    emit(rest);
                }
            }
            completedNormally = true;
            var speculation = speculationBefore is null ? null : SpeculationCounts.Of(generator).Minus(speculationBefore);
            if (speculation is not null)
            {
                lock (_totalsGate)
                    _speculationTotals = _speculationTotals.Plus(speculation);
            }
            Interlocked.Increment(ref _completed);
            return new GenerationResult(text.ToString(), reason, prompt.Length, newTokens, reused, firstToken, clock.Elapsed) { Speculation = speculation };
        }
        catch (OperationCanceledException)
        {
            // Cancelled between two tokens: the generator is intact, and the next keystroke's prompt most likely
            // extends this one, so its cache stays.
            completedNormally = true;
            throw;
        }
        finally
        {
            if (sampledParams is not null)
            {
                generator.Dispose();
                sampledParams.Dispose();
            }
            else if (completedNormally)
            {
                _cache.Remember(generator, newTokens);
            }
            else
            {
                _cache.Drop();
            }
        }
    }

    /// <summary>
    /// One short greedy generation on a generator of its own, thrown away (<see cref="LanguageModel.WarmUpAsync"/>): the
    /// prompt runs as a batch and a few tokens one at a time, the two shapes every request has. Touches neither the KV
    /// cache, nor <see cref="Completed"/>, nor the speculation totals, so no request and no figure can tell it ran.
    /// </summary>
    public void WarmUp(string prompt, int newTokens, CancellationToken cancellationToken)
    {
        var tokens = _tokenizer.EncodePrompt(prompt);
        using var parameters = NewParams(null);
        using var generator = new Generator(_model, parameters);
        cancellationToken.ThrowIfCancellationRequested();
        generator.AppendTokens(tokens);
        using var stream = _tokenizer.CreateStream();
        for (var i = 0; i < newTokens && !generator.IsDone(); i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            generator.GenerateNextToken();
            stream.Decode(generator.GetNextTokens()[0]);
        }
    }

    /// <summary>
    /// The healing index for logits of <paramref name="size"/>: the one started at load when its size matches (waiting
    /// for it if the first request comes first), otherwise built now; kept for the model's life.
    /// </summary>
    private HealingVocabulary HealingVocabularyOfSize(int size)
    {
        if (_healingVocabulary is { } known && known.Size == size)
            return known;
        if (_healingVocabularyBuild is { } started && started.GetAwaiter().GetResult() is { } built && built.Size == size)
            return _healingVocabulary = built;
        return _healingVocabulary = BuildHealingVocabulary(size);
    }

    private HealingVocabulary BuildHealingVocabulary(int size) =>
        HealingVocabulary.FromTokenizerJson(System.IO.Path.Combine(_folder.Path, ModelFolder.TokenizerFile), _folder.SpecialTokenIds.Values, size);

    private GeneratorParams NewParams(Sampling? sampling)
    {
        var parameters = new GeneratorParams(_model);
        parameters.SetSearchOption("max_length", _window);
        if (sampling is not null)
        {
            parameters.SetSearchOption("do_sample", true);
            // Set explicitly: the model's genai_config.json may say top_k 1, which would make sampling greedy.
            parameters.SetSearchOption("top_k", sampling.TopK);
            parameters.SetSearchOption("top_p", sampling.TopP);
            parameters.SetSearchOption("temperature", sampling.Temperature);
            parameters.SetSearchOption("random_seed", sampling.Seed);
        }
        return parameters;
    }

    /// <summary>Frees the cached generator; call once the worker thread has stopped.</summary>
    public void Dispose() => _cache.Dispose();
}
