using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using CodeAssist.Inference.Devices;
using CodeAssist.Inference.Generation;
using CodeAssist.Inference.Models;
using CodeAssist.Inference.Prompts;
using Microsoft.ML.OnnxRuntimeGenAI;

namespace CodeAssist.Inference;

/// <summary>
/// A loaded model: the only component that touches ONNX Runtime GenAI. Generation runs on one worker thread,
/// newest request first; the KV cache of the last greedy generation is reused when a new prompt extends it.
/// </summary>
public sealed class LanguageModel : IDisposable
{
    /// <summary>Upper bound of a generator's sequence; real models' 32k contexts would reserve gigabytes of KV cache.</summary>
    private const int MaxWindow = 8192;

    /// <summary>
    /// How far generation may run ahead of a stream's reader. A reader that falls this far behind (or stopped reading)
    /// pauses the generator instead of letting it spend the CPU on a reply nobody reads yet; normal readers never get here.
    /// </summary>
    private const int MaxUnreadPieces = 256;

    /// <summary>A shared prefix shorter than this is not worth a rewind.</summary>
    private const int MinReusedTokens = 4;

    /// <summary>
    /// After a generation that produced tokens, GenAI 0.18 holds the keys and values of all but the last two tokens
    /// of the sequence in a form it can rewind to (the newest token has not been run yet, and the one before sits in
    /// the "present" buffers). Rewinding further forward fails, or with some graphs breaks the next run, so reuse stops there.
    /// </summary>
    private const int UnrewindableTailTokens = 2;

    private readonly Model _model;
    private readonly Tokenizer _tokenizer;
    private readonly GenerationWorker _worker;
    private readonly CancellationTokenSource _unloading = new();
    private readonly Lock _tokenizerLock = new();
    private readonly IReadOnlySet<int> _stopTokenIds;
    private readonly IReadOnlyList<string> _stopTokenTexts;
    private bool _disposed;

    // Owned by the worker thread: the generator of the last greedy request, every token in its sequence, and how
    // many of those its KV cache can be rewound to.
    private Generator? _cachedGenerator;
    private GeneratorParams? _cachedParams;
    private int[] _cachedTokens = [];
    private int _cachedReusable;
    private HealingVocabulary? _healingVocabulary;

    private LanguageModel(ModelFolder folder, Model model, Tokenizer tokenizer, DeviceSelection device)
    {
        Folder = folder;
        _model = model;
        _tokenizer = tokenizer;
        Device = device;
        Format = folder.Format;
        Window = Math.Min(folder.ContextLength, MaxWindow);
        var ids = new HashSet<int>();
        var texts = new List<string>();
        foreach (var token in Format.StopTokens)
        {
            if (StopTokenId(token) is { } id)
                ids.Add(id);
            else
                texts.Add(token);
        }
        _stopTokenIds = ids;
        // A stop token the vocabulary lacks can still appear spelled out in characters; it ends the reply as text.
        _stopTokenTexts = texts;
        _worker = new GenerationWorker($"codeassist-generation {folder.Name}");
    }

    public ModelFolder Folder { get; }
    public DeviceSelection Device { get; }
    public PromptFormat Format { get; }
    public TokenHealing Healing => Folder.Healing;
    public string Name => Folder.Name;

    /// <summary>Tokens a prompt and its reply may use together.</summary>
    public int Window { get; }

    /// <summary>Counts finished generations (for local stats and tests that must know whether the model ran).</summary>
    public int GenerationCount => Volatile.Read(ref _generationCount);
    private int _generationCount;

    /// <summary>The token sequence of the cached greedy generator, for tests; read it only while no generation runs.</summary>
    internal IReadOnlyList<int> CachedSequence => _cachedTokens;

    /// <summary>
    /// Validates the folder, then loads it on the preferred device. Throws <see cref="ModelFolderException"/> for bad
    /// folders and <see cref="DeviceUnavailableException"/> when <c>cuda</c> was demanded but cannot be used.
    /// </summary>
    public static LanguageModel Load(string path, DevicePreference preference = DevicePreference.Auto, Action<string>? log = null) =>
        Load(path, preference, log, ModelLoader.TryLoadCuda);

    internal static LanguageModel Load(string path, DevicePreference preference, Action<string>? log, Func<string, (Model? Model, string Failure)> tryLoadCuda)
    {
        GenAiRuntime.EnsureInitialized();
        var folder = ModelFolder.Open(path);
        Model model;
        DeviceSelection device;
        try
        {
            (model, device) = ModelLoader.Load(folder.Path, preference, log ?? (_ => { }), tryLoadCuda);
        }
        catch (OnnxRuntimeGenAIException e)
        {
            throw new ModelFolderException(folder.Path,
                [$"ONNX Runtime could not load {folder.DecoderFile} in {folder.Path} ({FirstLine(e.Message)}); the model files are damaged or do not match {ModelFolder.GenAiConfigFile}: copy the model folder again or convert the model again"]);
        }

        Tokenizer tokenizer;
        try
        {
            tokenizer = new Tokenizer(model);
        }
        catch (OnnxRuntimeGenAIException e)
        {
            model.Dispose();
            throw new ModelFolderException(folder.Path,
                [$"ONNX Runtime GenAI could not read the tokenizer in {folder.Path} ({FirstLine(e.Message)}); copy {ModelFolder.TokenizerFile} and {ModelFolder.TokenizerConfigFile} from the model's source again"]);
        }
        return new LanguageModel(folder, model, tokenizer, device);
    }

    public int CountTokens(string text)
    {
        if (text.Length == 0)
            return 0;
        lock (_tokenizerLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var sequences = _tokenizer.Encode(WithoutNul(text));
            return sequences[0].Length;
        }
    }

    public int[] Encode(string text)
    {
        lock (_tokenizerLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var sequences = _tokenizer.Encode(WithoutNul(text));
            return sequences[0].ToArray();
        }
    }

    /// <summary>
    /// GenAI's tokenizer takes a NUL-terminated C string: a NUL in a document would silently cut the prompt there,
    /// losing the FIM suffix and middle markers. It becomes U+FFFD, the character for "could not be represented".
    /// </summary>
    private static string WithoutNul(string text) => text.Contains('\0', StringComparison.Ordinal) ? text.Replace('\0', '\uFFFD') : text;

    public string Decode(ReadOnlySpan<int> tokens)
    {
        lock (_tokenizerLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _tokenizer.Decode(tokens);
        }
    }

    public async Task<GenerationResult> GenerateAsync(GenerationRequest request, CancellationToken cancellationToken)
    {
        var result = default(GenerationResult);
        await foreach (var piece in StreamAsync(request, r => result = r, cancellationToken).ConfigureAwait(false))
        {
        }
        return result!;
    }

    /// <summary>
    /// Streams the reply as text pieces, each whole characters. Cancellation stops the generator between two tokens
    /// (a queued request at once) and ends the stream with <see cref="OperationCanceledException"/>; so does leaving
    /// the loop early. The result callback runs once generation ends normally.
    /// </summary>
    public async IAsyncEnumerable<string> StreamAsync(GenerationRequest request, Action<GenerationResult>? completed = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var channel = Channel.CreateBounded<string>(new BoundedChannelOptions(MaxUnreadPieces)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _unloading.Token);
        // Taken once: the source is disposed as soon as the task ends, which for a cancelled request is before
        // the worker has left the generation loop, and a disposed source no longer hands out its token.
        var token = linked.Token;
        Task<GenerationResult> generation;
        try
        {
            generation = _worker.RunAsync(() =>
            {
                try
                {
                    return Generate(request, piece => Emit(channel.Writer, piece, token), token);
                }
                finally
                {
                    channel.Writer.TryComplete();
                }
            }, token);
        }
        catch
        {
            linked.Dispose();
            throw;
        }
        // The worker may still be between two tokens when the task completes as cancelled; the source outlives both.
        _ = generation.ContinueWith(t =>
        {
            channel.Writer.TryComplete(t.Exception?.InnerException);
            linked.Dispose();
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

        try
        {
            await foreach (var piece in channel.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
                yield return piece;
            var result = await generation.ConfigureAwait(false);
            completed?.Invoke(result);
        }
        finally
        {
            // A consumer that stops reading early no longer wants the rest: stop the generator too.
            if (!generation.IsCompleted)
                CancelQuietly(linked);
        }
    }

    /// <summary>Hands a piece to the reader; waits (still cancellable) while the reader has fallen far behind.</summary>
    private static void Emit(ChannelWriter<string> writer, string piece, CancellationToken cancellationToken)
    {
        if (writer.TryWrite(piece))
            return;
        // A cancelled request's stream is closed before its generator reaches the next check: that is cancellation
        // too, not a failure (which would throw away the KV cache the next keystroke wants).
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            writer.WriteAsync(piece, cancellationToken).AsTask().GetAwaiter().GetResult();
        }
        catch (ChannelClosedException)
        {
            throw new OperationCanceledException("the reader of this stream is gone", cancellationToken);
        }
    }

    private GenerationResult Generate(GenerationRequest request, Action<string> emit, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var clock = Stopwatch.StartNew();
        var prompt = EncodePrompt(request.Prompt);
        if (prompt.Length == 0)
            throw new ArgumentException("the prompt is empty");
        if (prompt.Length >= Window)
            throw new ArgumentException($"the prompt has {prompt.Length} tokens but {Name} takes at most {Window - 1}; lower the context budget");
        var maxNew = Math.Min(request.MaxNewTokens, Window - prompt.Length);

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
            generator = PrepareGreedy(prompt, request.ReusePrefix, out reused);
        }

        var newTokens = 0;
        var completedNormally = false;
        try
        {
            if (sampledParams is not null)
                generator.AppendTokens(prompt);
            var stopper = new TokenStopper(_stopTokenIds, [.. request.StopStrings, .. _stopTokenTexts]);
            using var stream = _tokenizer.CreateStream();
            var text = new System.Text.StringBuilder();
            var firstToken = TimeSpan.Zero;
            // The healed text comes out of the decoder first; the reader gets what follows it.
            var hidden = request.HealedText.Length;
            string Visible(string decoded)
            {
                if (hidden == 0)
                    return decoded;
                var cut = Math.Min(hidden, decoded.Length);
                hidden -= cut;
                return decoded[cut..];
            }
            var forced = new Queue<int>();
            var healing = request.HealedText;
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
                if (healing.Length > 0 || forced.Count > 0)
                {
                    // Healing: the likeliest token that agrees with the healed text; when none does (a word the
                    // vocabulary spells differently), the healed text's own tokens, which is the prompt unhealed.
                    if (forced.Count == 0)
                    {
                        if (HealingToken(generator, healing) is var (chosen, chosenText))
                        {
                            healing = chosenText.Length >= healing.Length ? "" : healing[chosenText.Length..];
                            forced.Enqueue(chosen);
                        }
                        else
                        {
                            foreach (var id in Encode(healing))
                                forced.Enqueue(id);
                            healing = "";
                        }
                    }
                    token = forced.Dequeue();
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
                var (released, stopped) = stopper.Add(Visible(stream.Decode(token)));
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
            Interlocked.Increment(ref _generationCount);
            return new GenerationResult(text.ToString(), reason, prompt.Length, newTokens, reused, firstToken, clock.Elapsed);
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
                RememberGreedy(generator, newTokens);
            }
            else
            {
                DropCache();
            }
        }
    }

    /// <summary>
    /// The token with the highest logit among those whose text agrees with <paramref name="healed"/> (starts with it,
    /// or is a start of it); null when none does. Special tokens never heal.
    /// </summary>
    private (int Id, string Text)? HealingToken(Generator generator, string healed)
    {
        using var output = generator.GetOutput("logits");
        var shape = output.Shape();
        var vocabulary = (int)shape[^1];
        var texts = TokenTexts(vocabulary);
        (int, string)? best = null;
        var bestLogit = float.NegativeInfinity;
        if (!texts.ByFirstCharacter.TryGetValue(healed[0], out var candidates))
            return null;
        var half = output.Type() == ElementType.float16;
        var offset = (int)(output.NumElements() - vocabulary);
        var logits32 = half ? default : output.GetData<float>().Slice(offset, vocabulary);
        var logits16 = half ? output.GetData<Half>().Slice(offset, vocabulary) : default;
        foreach (var id in candidates)
        {
            var text = texts.Texts[id];
            if (!(text.StartsWith(healed, StringComparison.Ordinal) || healed.StartsWith(text, StringComparison.Ordinal)))
                continue;
            var logit = half ? (float)logits16[id] : logits32[id];
            if (logit > bestLogit)
                (best, bestLogit) = ((id, text), logit);
        }
        return best;
    }

    /// <summary>Every token's text, decoded once per model on first use and grouped by first character.</summary>
    private HealingVocabulary TokenTexts(int vocabulary)
    {
        if (_healingVocabulary is { } known && known.Texts.Length == vocabulary)
            return known;
        var special = Folder.SpecialTokenIds.Values.ToHashSet();
        var texts = new string[vocabulary];
        var byFirst = new Dictionary<char, List<int>>();
        for (var id = 0; id < vocabulary; id++)
        {
            texts[id] = special.Contains(id) ? "" : Decode([id]);
            if (texts[id].Length == 0 || texts[id].Contains('\uFFFD'))
                continue;
            if (!byFirst.TryGetValue(texts[id][0], out var list))
                byFirst[texts[id][0]] = list = [];
            list.Add(id);
        }
        return _healingVocabulary = new HealingVocabulary(texts, byFirst);
    }

    private sealed record HealingVocabulary(string[] Texts, Dictionary<char, List<int>> ByFirstCharacter);

    /// <summary>Tokenizes a prompt; a template's begin-of-text marker and the tokenizer's own are not both kept.</summary>
    private int[] EncodePrompt(string prompt)
    {
        var tokens = Encode(prompt);
        if (Folder.BeginTokenId is { } begin && tokens.Length >= 2 && tokens[0] == begin && tokens[1] == begin)
            return tokens[1..];
        return tokens;
    }

    /// <summary>
    /// Returns a generator holding <paramref name="prompt"/>: the cached one rewound to the longest shared prefix when
    /// that is long enough and reuse is allowed, otherwise a fresh one.
    /// </summary>
    private Generator PrepareGreedy(int[] prompt, bool allowReuse, out int reused)
    {
        reused = 0;
        if (_cachedGenerator is not null && allowReuse)
        {
            // At least one prompt token must be appended so that the next logits belong to this prompt.
            var common = Math.Min(CommonPrefixLength(_cachedTokens, prompt), Math.Min(_cachedReusable, prompt.Length - 1));
            if (common >= MinReusedTokens)
            {
                try
                {
                    _cachedGenerator.RewindTo((ulong)common);
                    _cachedGenerator.AppendTokens(prompt.AsSpan(common));
                    reused = common;
                    return _cachedGenerator;
                }
                catch (OnnxRuntimeGenAIException)
                {
                    // Reuse is an optimisation: a generator that refuses the rewind is replaced by a fresh one.
                }
            }
        }
        DropCache();
        try
        {
            _cachedParams = NewParams(null);
            _cachedGenerator = new Generator(_model, _cachedParams);
            _cachedGenerator.AppendTokens(prompt);
            return _cachedGenerator;
        }
        catch
        {
            DropCache();
            throw;
        }
    }

    private void RememberGreedy(Generator generator, int newTokens)
    {
        _cachedTokens = generator.GetSequence(0).ToArray();
        _cachedReusable = newTokens == 0 ? _cachedTokens.Length : Math.Max(0, _cachedTokens.Length - UnrewindableTailTokens);
    }

    private GeneratorParams NewParams(Sampling? sampling)
    {
        var parameters = new GeneratorParams(_model);
        parameters.SetSearchOption("max_length", Window);
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

    private void DropCache()
    {
        _cachedGenerator?.Dispose();
        _cachedParams?.Dispose();
        _cachedGenerator = null;
        _cachedParams = null;
        _cachedTokens = [];
        _cachedReusable = 0;
    }

    private static int CommonPrefixLength(int[] cached, int[] prompt)
    {
        var length = Math.Min(cached.Length, prompt.Length);
        var i = 0;
        while (i < length && cached[i] == prompt[i])
            i++;
        return i;
    }

    /// <summary>
    /// The id of a stop token: from tokenizer.json (Code Llama's markers are spelled with a leading ▁ there), else
    /// what the tokenizer makes of it when that is a single token.
    /// </summary>
    private int? StopTokenId(string token)
    {
        if (Folder.SpecialTokenIds.TryGetValue(token, out var id) || Folder.SpecialTokenIds.TryGetValue(FimFormat.SentencePieceSpace + token, out id))
            return id;
        var ids = Encode(token);
        return ids.Length == 1 ? ids[0] : null;
    }

    private static void CancelQuietly(CancellationTokenSource source)
    {
        try
        {
            source.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The generation finished in the meantime and released the source.
        }
    }

    private static string FirstLine(string message)
    {
        var line = message.Split('\n', 2)[0].Trim();
        return line.Length > 300 ? line[..300] + "…" : line;
    }

    public void Dispose()
    {
        lock (_tokenizerLock)
        {
            if (_disposed)
                return;
            _disposed = true;
        }
        _unloading.Cancel();
        // Native objects are freed only once the worker has stopped touching them; leaking them beats a crash.
        if (!_worker.Stop(TimeSpan.FromSeconds(30)))
            return;
        DropCache();
        _tokenizer.Dispose();
        _model.Dispose();
    }
}
