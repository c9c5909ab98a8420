using System.Text.Json;
using CodeAssist.ModelFactory;

namespace CodeAssist.Training;

/// <summary>
/// One synthesised refactoring: <see cref="Prompt"/> is the whole prompt the server sends for it (chat markers included,
/// ending where the reply begins), <see cref="Reply"/> what the model should answer before <c>&lt;|end|&gt;</c>.
/// </summary>
internal sealed record InstructionExample(string Kind, string File, string Member, string Prompt, string Reply);

/// <summary>
/// Training sequences of refactoring examples (instructions.jsonl, written by `codeassist-train instructions`), packed
/// one after another into the window and scored on the replies only: the prompt is the server's, so the model learns
/// what to answer, not to write prompts.
/// </summary>
internal sealed class InstructionSampler
{
    private readonly List<(int[] Prompt, int[] Reply)> _examples;
    private readonly int _length;
    private readonly int _endOfText;

    private InstructionSampler(List<(int[] Prompt, int[] Reply)> examples, int length, int endOfText) =>
        (_examples, _length, _endOfText) = (examples, length, endOfText);

    public int Count => _examples.Count;

    /// <summary>The examples that fit <paramref name="length"/> tokens with their reply and its end marker.</summary>
    public static InstructionSampler Load(TrainingPaths paths, ByteLevelBpeTokenizer tokenizer, int length)
    {
        if (!File.Exists(paths.Instructions))
        {
            throw new FileNotFoundException(
                $"No instruction data at {paths.Instructions}; run `codeassist-train instructions` first (the long stage mixes it in).");
        }
        var end = tokenizer.TokenId(ByteLevelBpeTokenizer.End);
        var examples = new List<(int[] Prompt, int[] Reply)>();
        foreach (var example in Read(paths.Instructions))
        {
            var prompt = tokenizer.Encode(example.Prompt).ToArray();
            int[] reply = [.. tokenizer.Encode(example.Reply), end];
            if (prompt.Length + reply.Length + 1 <= length)
                examples.Add((prompt, reply));
        }
        if (examples.Count == 0)
            throw new InvalidOperationException($"No example in {paths.Instructions} fits {length} tokens.");
        var average = examples.Average(e => e.Prompt.Length + e.Reply.Length);
        Log.Write($"instructions: {examples.Count} examples fit {length} tokens, {average:F0} tokens on average");
        return new InstructionSampler(examples, length, tokenizer.TokenId(ByteLevelBpeTokenizer.EndOfText));
    }

    public static IEnumerable<InstructionExample> Read(string path) =>
        File.ReadLines(path).Where(l => l.Length > 0).Select(l => JsonSerializer.Deserialize<InstructionExample>(l, Json.Lines)!);

    /// <summary>
    /// Examples drawn at random until the next one does not fit, each followed by &lt;|endoftext|&gt;; the targets are the
    /// reply tokens (its end marker included), everything else is ignored.
    /// </summary>
    public (int[] Inputs, int[] Targets) Next(Random random)
    {
        var ids = new List<int>(_length + 1);
        var scored = new List<bool>(_length + 1);
        for (var attempt = 0; attempt < 8; attempt++)
        {
            var (prompt, reply) = _examples[random.Next(_examples.Count)];
            if (ids.Count + prompt.Length + reply.Length + 1 > _length + 1)
                continue;
            ids.AddRange(prompt);
            scored.AddRange(Enumerable.Repeat(false, prompt.Length));
            ids.AddRange(reply);
            scored.AddRange(Enumerable.Repeat(true, reply.Length));
            ids.Add(_endOfText);
            scored.Add(false);
        }
        var inputs = new int[_length];
        var targets = new int[_length];
        for (var i = 0; i < _length; i++)
        {
            inputs[i] = i < ids.Count ? ids[i] : _endOfText;
            targets[i] = i + 1 < ids.Count && scored[i + 1] ? ids[i + 1] : FimSampler.IgnoredTarget;
        }
        return (inputs, targets);
    }
}

/// <summary>
/// The long-context stage's sequences: <see cref="InstructionRate"/> of them refactoring examples, the rest what the SPM
/// stage trained (80 % SPM FIM, 20 % plain text) at the long window, so completions keep what they learned.
/// </summary>
internal sealed class LongStageSampler(FimSampler completions, InstructionSampler instructions, double instructionRate)
{
    public double InstructionRate => instructionRate;

    public (int[] Inputs, int[] Targets) Next(Random random) =>
        random.NextDouble() < instructionRate ? instructions.Next(random) : completions.Next(random, SampleMode.Spm);
}
