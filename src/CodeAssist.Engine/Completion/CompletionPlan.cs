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
        var context = await contextBuilder.BuildAsync(document, offset, budget, model.CountTokens, workspaceRoot, cancellationToken).ConfigureAwait(false);
        var prompt = PromptFor(model, context);
        if (budget < settings.ContextBudget && model.CountTokens(prompt.Text) + settings.MaxTokens - model.Window is var excess and > 0)
        {
            budget = Math.Max(1, budget - excess);
            context = await contextBuilder.BuildAsync(document, offset, budget, model.CountTokens, workspaceRoot, cancellationToken).ConfigureAwait(false);
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
        return new CompletionPrompt(model.Format.BuildCompletion(context.ToFimRequest() with { Prefix = kept }), healed);
    }

    /// <summary>The request for candidate <paramref name="candidate"/>: the first greedy, the others sampled with their index as seed.</summary>
    public GenerationRequest Request(AssistSettings settings, int candidate = 0) => RequestFor(Prompt, AllowsBlock, settings, candidate);

    /// <summary>
    /// The request for a prompt built elsewhere (the bench's raw side generates the prompt the server reported), with
    /// the same limits, stop rules and healing as the server's.
    /// </summary>
    public static GenerationRequest RequestFor(CompletionPrompt prompt, bool allowsBlock, AssistSettings settings, int candidate = 0) =>
        new(prompt.Text, settings.MaxTokens)
        {
            Deadline = settings.GenerationDeadline,
            StopStrings = allowsBlock ? [] : ["\n"],
            Sampling = candidate == 0 ? null : new Sampling(Seed: candidate),
            HealedText = prompt.HealedText,
        };
}

/// <summary>A completion prompt and the text token healing cut from its end, which the reply must start with.</summary>
public sealed record CompletionPrompt(string Text, string HealedText);
