using System.Text.Json;
using CodeAssist.ModelFactory;

namespace CodeAssist.Training;

/// <summary>One split of the corpus in memory: file texts with their paths, and all files as one token stream.</summary>
internal sealed class CorpusSplit
{
    private CorpusSplit(IReadOnlyList<CorpusFile> files, IReadOnlyList<string> texts, ushort[] tokens)
    {
        Files = files;
        Texts = texts;
        Tokens = tokens;
        var cumulative = new long[texts.Count];
        long total = 0;
        for (var i = 0; i < texts.Count; i++)
            cumulative[i] = total += texts[i].Length;
        CumulativeLengths = cumulative;
    }

    public IReadOnlyList<CorpusFile> Files { get; }
    public IReadOnlyList<string> Texts { get; }

    /// <summary>Every file encoded, each followed by &lt;|endoftext|&gt;; ids fit 16 bits for vocabularies up to 65536.</summary>
    public ushort[] Tokens { get; }

    private long[] CumulativeLengths { get; }

    /// <summary>A file chosen with probability proportional to its length, so every character is equally likely.</summary>
    public int PickFile(Random random)
    {
        var target = random.NextInt64(CumulativeLengths[^1]);
        var index = Array.BinarySearch(CumulativeLengths, target + 1);
        return index >= 0 ? index : ~index;
    }

    public static CorpusSplit Load(TrainingPaths paths, CorpusManifest manifest, string split, ByteLevelBpeTokenizer tokenizer, string tokenCache)
    {
        var files = manifest.Files.Where(f => f.Split == split).ToList();
        var texts = files.Select(f => File.ReadAllText(paths.CorpusFile(f))).ToList();
        ushort[] tokens;
        if (File.Exists(tokenCache))
        {
            var bytes = File.ReadAllBytes(tokenCache);
            tokens = new ushort[bytes.Length / 2];
            Buffer.BlockCopy(bytes, 0, tokens, 0, bytes.Length);
        }
        else
        {
            var endOfText = (ushort)tokenizer.TokenId(ByteLevelBpeTokenizer.EndOfText);
            var list = new List<ushort>();
            foreach (var text in texts)
            {
                list.AddRange(tokenizer.Encode(text).Select(id => (ushort)id));
                list.Add(endOfText);
            }
            tokens = [.. list];
            var bytes = new byte[tokens.Length * 2];
            Buffer.BlockCopy(tokens, 0, bytes, 0, bytes.Length);
            File.WriteAllBytes(tokenCache, bytes);
            Log.Write($"{split}: {texts.Count} files, {texts.Sum(t => (long)t.Length) / 1e6:F1} M characters, {tokens.Length / 1e6:F2} M tokens");
        }
        return new CorpusSplit(files, texts, tokens);
    }
}

/// <summary>How the tokenizer was made: trained on the corpus, or <paramref name="ImportedFrom"/> a model folder's tokenizer.json.</summary>
internal sealed record TokenizerSettings(int VocabSize, long SampleChars, string? ImportedFrom = null);

internal static class TokenizerStep
{
    private const string SettingsFileName = "training.json";

    /// <summary>
    /// ModelFactory's tokenizer cannot read tokenizer.json back, and training is deterministic, so loading is
    /// training again on the same sample with the recorded settings (a few seconds).
    /// </summary>
    public static ByteLevelBpeTokenizer Load(TrainingPaths paths)
    {
        var settingsPath = Path.Combine(paths.TokenizerDirectory, SettingsFileName);
        if (!File.Exists(settingsPath))
            throw new FileNotFoundException($"No tokenizer in {paths.TokenizerDirectory}; run `codeassist-train tokenizer` first.");
        var settings = JsonSerializer.Deserialize<TokenizerSettings>(File.ReadAllText(settingsPath), Json.Options)!;
        if (settings.ImportedFrom is not null)
            return ByteLevelBpeTokenizer.ReadFrom(paths.TokenizerDirectory);
        return Train(paths, CorpusManifest.Read(paths.Manifest), settings.VocabSize, settings.SampleChars, write: false);
    }

    /// <summary>Takes a model folder's tokenizer as the tokenizer (`import`): a model trained further keeps its vocabulary.</summary>
    public static ByteLevelBpeTokenizer Import(TrainingPaths paths, string folder)
    {
        var tokenizer = ByteLevelBpeTokenizer.ReadFrom(folder);
        tokenizer.WriteTo(paths.TokenizerDirectory);
        File.WriteAllText(
            Path.Combine(paths.TokenizerDirectory, SettingsFileName),
            JsonSerializer.Serialize(new TokenizerSettings(tokenizer.VocabSize, 0, Path.GetFullPath(folder)), Json.Options));
        Log.Write($"tokenizer: {tokenizer.VocabSize} ids imported from {folder}");
        return tokenizer;
    }

    /// <summary>
    /// Trains the byte-level BPE on every k-th training file up to <paramref name="sampleChars"/> characters: a
    /// spread-out sample, so the vocabulary reflects the whole framework and not its first assemblies.
    /// </summary>
    public static ByteLevelBpeTokenizer Train(TrainingPaths paths, CorpusManifest manifest, int vocabSize, long sampleChars, bool write = true)
    {
        var train = manifest.Files.Where(f => f.Split == "train").ToList();
        var total = train.Sum(f => (long)f.Characters);
        var stride = Math.Max(1, (int)(total / Math.Max(1, sampleChars)));
        var sample = train.Where((_, i) => i % stride == 0).Select(f => File.ReadAllText(paths.CorpusFile(f))).ToList();
        Log.Write($"tokenizer: training a {vocabSize}-id vocabulary on {sample.Count} files, {sample.Sum(t => (long)t.Length) / 1e6:F1} M characters");
        var tokenizer = ByteLevelBpeTokenizer.Train(sample, vocabSize);
        if (!write)
            return tokenizer;
        tokenizer.WriteTo(paths.TokenizerDirectory);
        File.WriteAllText(
            Path.Combine(paths.TokenizerDirectory, SettingsFileName),
            JsonSerializer.Serialize(new TokenizerSettings(vocabSize, sampleChars), Json.Options));
        Log.Write($"tokenizer: {tokenizer.VocabSize} ids written to {paths.TokenizerDirectory}");
        return tokenizer;
    }
}
