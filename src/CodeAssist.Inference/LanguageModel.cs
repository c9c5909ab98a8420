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

    /// <summary>A shared prefix shorter than this is not worth a rewind.</summary>
    private const int MinReusedTokens = 4;

    private readonly Model _model;
    private readonly Tokenizer _tokenizer;
    private readonly GenerationWorker _worker;
    private readonly CancellationTokenSource _unloading = new();
    private readonly Lock _tokenizerLock = new();
    private readonly IReadOnlySet<int> _stopTokenIds;

    // Owned by the worker thread: the generator of the last greedy request and every token in its sequence.
    private Generator? _cachedGenerator;
    private GeneratorParams? _cachedParams;
    private List<int> _cachedTokens = [];

    private LanguageModel(ModelFolder folder, Model model, DeviceSelection device)
    {
        Folder = folder;
        _model = model;
        Device = device;
        _tokenizer = new Tokenizer(model);
        Format = PromptFormat.Choose(folder.SpecialTokens, folder.Settings.PromptFormat, folder.Settings.ChatFormat);
        Window = Math.Min(folder.ContextLength, MaxWindow);
        _stopTokenIds = Format.StopTokens.Select(SingleTokenId).Where(id => id >= 0).ToHashSet();
        _worker = new GenerationWorker($"codeassist-generation {folder.Name}");
    }

    public ModelFolder Folder { get; }
    public DeviceSelection Device { get; }
    public PromptFormat Format { get; }
    public string Name => Folder.Name;

    /// <summary>Tokens a prompt and its reply may use together.</summary>
    public int Window { get; }

    /// <summary>Counts finished generations (for local stats and tests that must know whether the model ran).</summary>
    public int GenerationCount => Volatile.Read(ref _generationCount);
    private int _generationCount;

    /// <summary>Validates the folder, then loads it on the preferred device. Throws <see cref="ModelFolderException"/> for bad folders.</summary>
    public static LanguageModel Load(string path, DevicePreference preference = DevicePreference.Auto, Action<string>? log = null)
    {
        GenAiRuntime.EnsureInitialized();
        var folder = ModelFolder.Open(path);
        Model model;
        DeviceSelection device;
        try
        {
            (model, device) = ModelLoader.Load(folder.Path, preference, log ?? (_ => { }));
        }
        catch (OnnxRuntimeGenAIException e)
        {
            throw new ModelFolderException(folder.Path, [$"ONNX Runtime GenAI could not load it: {e.Message.Split('\n')[0]}"]);
        }
        return new LanguageModel(folder, model, device);
    }

    public int CountTokens(string text)
    {
        if (text.Length == 0)
            return 0;
        lock (_tokenizerLock)
        {
            using var sequences = _tokenizer.Encode(text);
            return sequences[0].Length;
        }
    }

    public int[] Encode(string text)
    {
        lock (_tokenizerLock)
        {
            using var sequences = _tokenizer.Encode(text);
            return sequences[0].ToArray();
        }
    }

    public string Decode(ReadOnlySpan<int> tokens)
    {
        lock (_tokenizerLock)
            return _tokenizer.Decode(tokens);
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
    /// Streams the reply as text pieces. Cancellation stops the generator between two tokens; the result callback
    /// runs once generation ends normally.
    /// </summary>
    public async IAsyncEnumerable<string> StreamAsync(GenerationRequest request, Action<GenerationResult>? completed = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var channel = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _unloading.Token);
        var generation = _worker.RunAsync(() =>
        {
            try
            {
                return Generate(request, piece => channel.Writer.TryWrite(piece), linked.Token);
            }
            finally
            {
                channel.Writer.TryComplete();
            }
        }, linked.Token);
        _ = generation.ContinueWith(t => channel.Writer.TryComplete(t.Exception?.InnerException), TaskScheduler.Default);

        await foreach (var piece in channel.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
            yield return piece;
        var result = await generation.ConfigureAwait(false);
        completed?.Invoke(result);
    }

    private GenerationResult Generate(GenerationRequest request, Action<string> emit, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var clock = Stopwatch.StartNew();
        var prompt = Encode(request.Prompt);
        if (prompt.Length == 0)
            throw new ArgumentException("the prompt is empty");
        if (prompt.Length >= Window)
            throw new ArgumentException($"the prompt has {prompt.Length} tokens but {Name} takes at most {Window - 1}; lower the context budget");
        var maxNew = Math.Min(request.MaxNewTokens, Window - prompt.Length);

        var (generator, reused) = request.Sampling is { } sampling ? (NewGenerator(sampling), 0) : PrepareGreedy(prompt);
        var owned = request.Sampling is not null;
        try
        {
            if (reused == 0)
                generator.AppendTokens(prompt);
            else
                generator.AppendTokens(prompt.AsSpan(reused));

            var stopper = new TokenStopper(_stopTokenIds, request.StopStrings);
            using var stream = _tokenizer.CreateStream();
            var text = new System.Text.StringBuilder();
            var firstToken = TimeSpan.Zero;
            var newTokens = 0;
            var reason = StopReason.MaxTokens;
            while (true)
            {
                if (newTokens >= maxNew)
                {
                    reason = newTokens == Window - prompt.Length ? StopReason.ContextFull : StopReason.MaxTokens;
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
                var before = generator.TokenCount();
                generator.GenerateNextToken();
                // GenAI ends on the model's end-of-text token without appending it to the sequence.
                if (generator.TokenCount() == before)
                {
                    reason = StopReason.EndOfText;
                    break;
                }
                var token = generator.GetNextTokens()[0];
                if (newTokens++ == 0)
                    firstToken = clock.Elapsed;
                if (stopper.IsStopToken(token))
                {
                    reason = StopReason.StopToken;
                    break;
                }
                var (released, stopped) = stopper.Add(stream.Decode(token));
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
            if (!owned)
                _cachedTokens = [.. generator.GetSequence(0)];
            Interlocked.Increment(ref _generationCount);
            return new GenerationResult(text.ToString(), reason, prompt.Length, newTokens, reused, firstToken, clock.Elapsed);
        }
        catch
        {
            if (!owned)
                DropCache();
            throw;
        }
        finally
        {
            if (owned)
                generator.Dispose();
        }
    }

    /// <summary>Reuses the cached generator when the new prompt shares a long enough prefix with its sequence.</summary>
    private (Generator Generator, int Reused) PrepareGreedy(int[] prompt)
    {
        if (_cachedGenerator is not null)
        {
            var common = CommonPrefixLength(_cachedTokens, prompt);
            // At least one prompt token must be appended so that the next logits belong to this prompt.
            common = Math.Min(common, prompt.Length - 1);
            if (common >= MinReusedTokens)
            {
                _cachedGenerator.RewindTo((ulong)common);
                return (_cachedGenerator, common);
            }
            DropCache();
        }
        _cachedParams = NewParams(null);
        _cachedGenerator = new Generator(_model, _cachedParams);
        return (_cachedGenerator, 0);
    }

    private Generator NewGenerator(Sampling sampling)
    {
        using var parameters = NewParams(sampling);
        return new Generator(_model, parameters);
    }

    private GeneratorParams NewParams(Sampling? sampling)
    {
        var parameters = new GeneratorParams(_model);
        parameters.SetSearchOption("max_length", Window);
        if (sampling is not null)
        {
            parameters.SetSearchOption("do_sample", true);
            parameters.SetSearchOption("temperature", sampling.Temperature);
            parameters.SetSearchOption("top_p", sampling.TopP);
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
    }

    private static int CommonPrefixLength(List<int> cached, int[] prompt)
    {
        var length = Math.Min(cached.Count, prompt.Length);
        var i = 0;
        while (i < length && cached[i] == prompt[i])
            i++;
        return i;
    }

    private int SingleTokenId(string token)
    {
        var ids = Encode(token);
        return ids.Length == 1 ? ids[0] : -1;
    }

    public void Dispose()
    {
        _unloading.Cancel();
        _worker.Dispose();
        DropCache();
        _tokenizer.Dispose();
        _model.Dispose();
    }
}
