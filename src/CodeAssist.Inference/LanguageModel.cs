using System.Runtime.CompilerServices;
using System.Threading.Channels;
using CodeAssist.Inference.Devices;
using CodeAssist.Inference.Generation;
using CodeAssist.Inference.Models;
using CodeAssist.Inference.Prompts;
using CodeAssist.Inference.Tokenization;
using Microsoft.ML.OnnxRuntimeGenAI;

namespace CodeAssist.Inference;

/// <summary>
/// A model loaded in-process with ONNX Runtime GenAI: the only component that touches it. The parts:
/// <see cref="ModelTokenizer"/> (any thread), <see cref="GenerationLoop"/> with its <see cref="KvPrefixCache"/> and
/// <see cref="HealingConstraint"/> (the generation worker thread only), and here loading and the bridge from async
/// callers to that thread. Invariant: GenAI generators are created, run and freed on the <see cref="GenerationWorker"/>
/// thread and nowhere else; callers only ever hold a channel of text pieces.
/// </summary>
public sealed class LanguageModel : ITextGenerator, IDisposable
{
    /// <summary>Upper bound of a generator's sequence; real models' 32k contexts would reserve gigabytes of KV cache.</summary>
    private const int MaxWindow = 8192;

    /// <summary>
    /// How far generation may run ahead of a stream's reader. A reader that falls this far behind (or stopped reading)
    /// pauses the generator instead of letting it spend the CPU on a reply nobody reads yet; normal readers never get here.
    /// </summary>
    private const int MaxUnreadPieces = 256;

    private readonly Model _model;
    private readonly ModelTokenizer _tokenizer;
    private readonly GenerationLoop _loop;
    private readonly GenerationWorker _worker;
    private readonly CancellationTokenSource _unloading = new();
    private readonly CancellationTokenSource _warmUpSuperseded;
    private readonly Lock _warmUpGate = new();
    private Task<bool>? _warmUp;

    /// <summary>
    /// What the warm-up generates after: a few lines of C# in the model's own completion prompt, so the tokenizer's
    /// special-token path runs too. Short, because a real request that arrives during the prompt's batch waits for it.
    /// </summary>
    private static readonly FimRequest WarmUpRequest = new("using System;\n\nclass Program\n{\n    static void Main()\n    {\n        Console.", "\n    }\n}\n")
    {
        FilePath = "Program.cs",
    };

    /// <summary>Tokens the warm-up generates one at a time after its prompt.</summary>
    private const int WarmUpNewTokens = 2;

    private LanguageModel(ModelFolder folder, Model model, Tokenizer tokenizer, DeviceSelection device)
    {
        Folder = folder;
        _model = model;
        _tokenizer = new ModelTokenizer(tokenizer, folder);
        Device = device;
        Format = folder.Format;
        Window = Math.Min(folder.ContextLength, MaxWindow);
        _loop = new GenerationLoop(model, _tokenizer, folder, Window);
        _worker = new GenerationWorker($"codeassist-generation {folder.Name}");
        _warmUpSuperseded = CancellationTokenSource.CreateLinkedTokenSource(_unloading.Token);
    }

    public ModelFolder Folder { get; }
    public DeviceSelection Device { get; }
    public PromptFormat Format { get; }
    public TokenHealing Healing => Folder.Healing;
    public string Name => Folder.Name;
    public ModelLanguages Languages => Folder.Languages;

    public bool CursorContextAboveCursorLine => Folder.Settings.CursorContext != "beforeFile";

    public bool RefactoringPromptCodeOnly => Folder.Settings.RefactoringPrompt == "codeOnly";

    public string Backend => Device.DisplayName;

    /// <summary>Tokens a prompt and its reply may use together.</summary>
    public int Window { get; }

    /// <summary>Counts finished generations (for local stats and tests that must know whether the model ran).</summary>
    public int GenerationCount => _loop.Completed;

    /// <summary>How generation speculates (a draft model, prompt lookup, or not at all).</summary>
    public Speculation Speculation => Folder.Speculation;

    /// <summary>Proposed and accepted tokens over every generation so far; zeros without speculation.</summary>
    public SpeculationCounts SpeculationTotals => _loop.SpeculationTotals;

    /// <summary>The token sequence of the cached greedy generator, for tests; read it only while no generation runs.</summary>
    internal IReadOnlyList<int> CachedSequence => _loop.CachedSequence;

    /// <summary>
    /// Validates the folder, then loads it on the preferred device. Throws <see cref="ModelFolderException"/> for bad
    /// folders and <see cref="DeviceUnavailableException"/> when <c>cuda</c> was demanded but cannot be used.
    /// </summary>
    /// <paramref name="speculation"/>, when given, replaces the speculation section of the folder's codeassist.json
    /// (the bench runs one model plain, with a draft and with prompt lookup).
    public static LanguageModel Load(
        string path, DevicePreference preference = DevicePreference.Auto, Action<string>? log = null, SpeculationSettings? speculation = null) =>
        Load(path, preference, log, ModelLoader.TryLoadCuda, speculation);

    internal static LanguageModel Load(
        string path, DevicePreference preference, Action<string>? log, Func<string, string?, (Model? Model, string Failure)> tryLoadCuda,
        SpeculationSettings? speculation = null)
    {
        GenAiRuntime.EnsureInitialized();
        var folder = ModelFolder.Open(path, speculation);
        Model model;
        DeviceSelection device;
        try
        {
            (model, device) = ModelLoader.Load(folder.Path, preference, log ?? (_ => { }), tryLoadCuda, folder.Speculation.GenAiOverlay(folder.Path));
        }
        catch (OnnxRuntimeGenAIException e)
        {
            throw new ModelFolderException(folder.Path, [GpuOnlyProblem(folder, "the CPU") ?? LoadFailure(folder, e)]);
        }

        if (device.Device == ExecutionDevice.Cpu && GpuOnlyProblem(folder, $"the CPU ({device.Reason})") is { } gpuOnly)
        {
            model.Dispose();
            throw new ModelFolderException(folder.Path, [gpuOnly]);
        }

        Tokenizer tokenizer;
        try
        {
            tokenizer = new FinalizerSafeTokenizer(model);
        }
        catch (OnnxRuntimeGenAIException e)
        {
            model.Dispose();
            var message = NativeErrors.FirstLine(e.Message);
            // A pattern the runtime's tokenizer does not implement is not damage: copying the files again would not help.
            throw new ModelFolderException(folder.Path, [message.StartsWith("Invalid regex", StringComparison.Ordinal)
                ? $"the tokenizer of ONNX Runtime GenAI {GenAiRuntime.Version} cannot read the pre-tokenizer of {ModelFolder.TokenizerFile} in {folder.Path} " +
                  $"({message}): this model cannot run with this runtime; pick a model of another family (Qwen2.5-Coder, see models/README.md)"
                : $"ONNX Runtime GenAI could not read the tokenizer in {folder.Path} ({message}); " +
                  $"copy {ModelFolder.TokenizerFile} and {ModelFolder.TokenizerConfigFile} from the model's source again"]);
        }
        return new LanguageModel(folder, model, tokenizer, device);
    }

    /// <summary>A float16/bfloat16 graph is what the model builder writes for CUDA or DirectML; the CPU kernels do not serve it.</summary>
    private static string? GpuOnlyProblem(ModelFolder folder, string where) =>
        folder.Graph?.KvCache?.ElementType is "fp16" or "bf16"
            ? $"the model in {folder.Path} was converted for a GPU ({folder.Graph.KvCache.ElementType} weights and cache) but would run on {where}; " +
              "use a CPU build of the model (model builder: -p int4 -e cpu), or a machine with CUDA"
            : null;

    /// <summary>
    /// Why ONNX Runtime GenAI refused the folder, in the user's terms: a genai_config.json field or an operator set
    /// newer than this runtime means the folder came from a newer model builder; anything else is damage.
    /// </summary>
    private static string LoadFailure(ModelFolder folder, OnnxRuntimeGenAIException e)
    {
        var message = NativeErrors.FirstLine(e.Message);
        if (message.Contains("Unknown", StringComparison.OrdinalIgnoreCase) || message.Contains("JSON", StringComparison.OrdinalIgnoreCase))
        {
            return $"ONNX Runtime GenAI {GenAiRuntime.Version} cannot read {ModelFolder.GenAiConfigFile} in {folder.Path} ({message}): " +
                $"the folder was made by a newer model builder; convert the model with a builder matching GenAI {GenAiRuntime.Version}, " +
                "or remove that field";
        }
        if (folder.Graph is { } graph
            && (message.Contains("opset", StringComparison.OrdinalIgnoreCase) || message.Contains("domain", StringComparison.OrdinalIgnoreCase)
                || message.Contains("not supported", StringComparison.OrdinalIgnoreCase)))
        {
            var imports = string.Join(", ", graph.OperatorSets.Select(o => $"{(o.Key.Length == 0 ? "ai.onnx" : o.Key)} {o.Value}"));
            return $"ONNX Runtime under GenAI {GenAiRuntime.Version} cannot run {folder.DecoderFile} in {folder.Path} ({message}); " +
                $"it imports {imports}, newer than this runtime reads: convert the model with a builder matching GenAI {GenAiRuntime.Version}";
        }
        return $"ONNX Runtime could not load {folder.DecoderFile} in {folder.Path} ({message}); " +
            $"the model files are damaged or do not match {ModelFolder.GenAiConfigFile}: copy the model folder again or convert the model again";
    }

    public int CountTokens(string text) => _tokenizer.CountTokens(text);

    public int[] Encode(string text) => _tokenizer.Encode(text);

    public string Decode(ReadOnlySpan<int> tokens) => _tokenizer.Decode(tokens);

    /// <summary>
    /// Runs one short generation whose text goes nowhere, on the generation thread, so that the user's first suggestion
    /// does not pay what ONNX Runtime pays on a session's first runs (the weights' pages read in, kernels' first
    /// calls, memory arenas grown, its thread pool started) nor what our own generation path pays on its first call.
    /// Once per model: later calls return the same task. A real request supersedes it: still queued, it never runs;
    /// running, it stops before its next token. It leaves the KV cache, <see cref="GenerationCount"/> and
    /// <see cref="SpeculationTotals"/> as they were. The task's result: true when it ran to its end, false when a
    /// request superseded it, the model was unloaded, or it failed (a real request then meets and reports the failure).
    /// </summary>
    public Task<bool> WarmUpAsync()
    {
        lock (_warmUpGate)
        {
            if (_warmUp is not null)
                return _warmUp;
            var prompt = Format.BuildCompletion(WarmUpRequest);
            Task<bool> run;
            try
            {
                var token = _warmUpSuperseded.Token;
                run = _worker.RunAsync(() =>
                {
                    _loop.WarmUp(prompt, WarmUpNewTokens, token);
                    return true;
                }, token);
            }
            catch (ObjectDisposedException)
            {
                run = Task.FromResult(false);
            }
            return _warmUp = run.ContinueWith(
                t => t.IsCompletedSuccessfully && t.Result, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    /// <summary>
    /// Streams the reply as text pieces, each whole characters. Cancellation stops the generator between two tokens
    /// (a queued request at once) and ends the stream with <see cref="OperationCanceledException"/>; so does leaving
    /// the loop early. The result callback runs once generation ends normally.
    /// </summary>
    public async IAsyncEnumerable<string> StreamAsync(GenerationRequest request, Action<GenerationResult>? completed = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // The user is waiting for this one: a warm-up still queued or running gives way (and never starts later).
        CancelQuietly(_warmUpSuperseded);
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
                    return _loop.Run(request, piece => Emit(channel.Writer, piece, token), token);
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

    public void Dispose()
    {
        if (!_tokenizer.Close())
            return;
        _unloading.Cancel();
        // Native objects are freed only once the worker has stopped touching them; leaking them beats a crash.
        if (!_worker.Stop(TimeSpan.FromSeconds(30)))
            return;
        _loop.Dispose();
        _warmUpSuperseded.Dispose();
        _tokenizer.Release();
        _model.Dispose();
    }
}
