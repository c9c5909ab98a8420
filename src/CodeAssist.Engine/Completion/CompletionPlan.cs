using CodeAssist.Engine.Completion.PostProcessing;
using CodeAssist.Engine.Context;
using CodeAssist.Engine.Documents;
using CodeAssist.Inference;
using CodeAssist.Inference.Generation;

namespace CodeAssist.Engine.Completion;

/// <summary>
/// What one completion asks of the model: the context, the family's prompt with the text token healing cut from it,
/// and the generation request. The engine, `codeAssist/context` and the bench's raw side all take it from here, so
/// what they show or measure is what the server generates (a copy of this request once lost the healed text, and
/// the bench's A/B compared unequal work).
/// </summary>
public sealed record CompletionPlan(CompletionContext Context, CompletionPrompt Prompt, int Budget, bool AllowsBlock)
{
    /// <summary>
    /// Builds the context within the model's window and the prompt from it. A small model's window may leave the
    /// pieces within budget and still no room for the reply once the markers, paths and repository header are added:
    /// then it is built again with that much less.
    /// </summary>
    public static async Task<CompletionPlan> BuildAsync(ContextBuilder contextBuilder, ITextGenerator model, DocumentSnapshot document, int offset,
        AssistSettings settings, string? workspaceRoot, CancellationToken cancellationToken)
    {
        var budget = Math.Min(settings.ContextBudget, model.Window - settings.MaxTokens - 16);
        var context = await contextBuilder.BuildAsync(
            document, offset, budget, model.CountTokens, workspaceRoot, cancellationToken, model.CursorContextAboveCursorLine).ConfigureAwait(false);
        var prompt = PromptFor(model, context);
        if (budget < settings.ContextBudget && model.CountTokens(prompt.Text) + settings.MaxTokens - model.Window is var excess and > 0)
        {
            budget = Math.Max(1, budget - excess);
            context = await contextBuilder.BuildAsync(
                document, offset, budget, model.CountTokens, workspaceRoot, cancellationToken, model.CursorContextAboveCursorLine).ConfigureAwait(false);
            prompt = PromptFor(model, context);
        }
        return new CompletionPlan(context, prompt, budget, AllowsBlockAt(document, offset, settings));
    }

    /// <summary>Whether a block may follow at the cursor (a statement starting on its own line); elsewhere the line is finished.</summary>
    public static bool AllowsBlockAt(DocumentSnapshot document, int offset, AssistSettings settings) =>
        settings.Multiline && SuggestionSite.At(document, offset, true).AllowsBlock;

    /// <summary>
    /// The model family's FIM prompt, its prefix cut before the word at the cursor (token healing: the reply
    /// starts with that word again); instruct-only models get the same context as an instruction.
    /// </summary>
    public static CompletionPrompt PromptFor(ITextGenerator model, CompletionContext context)
    {
        var (kept, healed) = model.Healing.Split(context.Prefix);
        var fim = context.ToFimRequest(kept);
        return new CompletionPrompt(model.Format.BuildCompletion(fim), healed) { Fim = fim };
    }

    /// <summary>The greedy request; <see cref="ITextGenerator.GenerateCandidatesAsync"/> derives the sampled candidates from it.</summary>
    public GenerationRequest Request(AssistSettings settings) => RequestFor(Prompt, AllowsBlock, settings);

    /// <summary>
    /// The request for a prompt built elsewhere (the bench's raw side generates the prompt the server reported), with
    /// the same limits, stop rules and healing as the server's.
    /// </summary>
    public static GenerationRequest RequestFor(CompletionPrompt prompt, bool allowsBlock, AssistSettings settings) =>
        new(prompt.Text, settings.MaxTokens)
        {
            Deadline = settings.GenerationDeadline,
            StopStrings = allowsBlock ? [] : ["\n"],
            HealedText = prompt.HealedText,
            Fim = prompt.Fim,
        };
}

/// <summary>A completion prompt and the text token healing cut from its end, which the reply must start with.</summary>
public sealed record CompletionPrompt(string Text, string HealedText)
{
    /// <summary>What <see cref="Text"/> was built from, for servers that build the FIM prompt themselves.</summary>
    public Inference.Prompts.FimRequest? Fim { get; init; }
}
