using CodeAssist.Engine.Context;
using CodeAssist.Engine.Context.Sources;
using CodeAssist.Engine.Documents;
using CodeAssist.Engine.Models;
using CodeAssist.Engine.Workspace;
using CodeAssist.Inference;
using CodeAssist.Inference.Generation;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace CodeAssist.Engine.Refactoring;

/// <summary>
/// AI refactorings on C# code. Offering them reads the syntax tree only; running one builds an instruction prompt with
/// the compiler's context, generates with the model, lays the reply's code into the document, and hands back the edit
/// only when a fork of the solution with the edit applied has no errors the original did not have.
/// </summary>
public sealed class RefactoringEngine(CodeWorkspace workspace, ModelHost models)
{
    /// <summary>Tokens of prompt at most: enough for a member, its declarations and the file around it.</summary>
    private const int MaxPromptTokens = 3072;

    private const int TokensPerProgressReport = 16;

    private readonly IContextSource _declarations = new ReferencedDeclarationsSource();
    private readonly Lock _warmUpGate = new();
    private Task _warmingUp = Task.CompletedTask;
    private int _formatterWarm;

    /// <summary>Raised around model work so status UIs can show "generating".</summary>
    public event Action<bool>? Generating;

    /// <summary>Raised after each generation (for local stats).</summary>
    public event Action? Generated;

    /// <summary>
    /// The refactorings that apply at a selection. Cheap: the syntax tree only, never the model. When something is
    /// offered, the compiler's work a refactoring will need starts in the background (see <see cref="WarmUp"/>).
    /// </summary>
    public async Task<IReadOnlyList<RefactoringOffer>> OfferAsync(DocumentSnapshot snapshot, int start, int end, CancellationToken cancellationToken)
    {
        if (workspace.GetDocument(snapshot) is not { } document || await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false) is not { } root)
            return [];
        var site = RefactoringSite.Find(root, snapshot.Text, start, end);
        IReadOnlyList<RefactoringOffer> offers = [.. RefactoringKinds.All
            .Where(kind => site.WhyNot(kind) is null && (kind != RefactoringKind.Rewrite || site.HasSelection))
            .Select(kind => new RefactoringOffer(kind, RefactoringKinds.Title(kind)))];
        if (offers.Count > 0 && site.Member is { } member)
            WarmUp(document, member.Span);
        return offers;
    }

    /// <summary>
    /// Builds the document's semantic model and runs the formatter once, off the request. The first refactoring in a
    /// session otherwise pays seconds for them (compiling the project against its references, composing Roslyn's
    /// formatting services) between the user's click and the model's first token. One warm-up runs at a time.
    /// </summary>
    private void WarmUp(Document document, TextSpan span)
    {
        lock (_warmUpGate)
        {
            if (!_warmingUp.IsCompleted)
                return;
            _warmingUp = Task.Run(async () =>
            {
                try
                {
                    // Binding is lazy: asking for the document's diagnostics loads the references and binds its members.
                    (await document.GetSemanticModelAsync(CancellationToken.None).ConfigureAwait(false))?.GetDiagnostics();
                    if (Interlocked.Exchange(ref _formatterWarm, 1) == 0)
                        await Microsoft.CodeAnalysis.Formatting.Formatter.FormatAsync(document, span).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    // Only a head start: the refactoring itself reports what goes wrong.
                }
            });
        }
    }

    public async Task<RefactoringResult> RunAsync(
        RefactoringRequest request, WorkspaceBoundary boundary, IProgress<RefactoringProgress>? progress, CancellationToken cancellationToken)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var kind = request.Kind;
        var snapshot = request.Document;
        var title = RefactoringKinds.Title(kind).TrimEnd('…');
        if (!snapshot.IsCSharp || snapshot.FilePath is null)
            return RefactoringResult.Refused(kind, $"{title} works on C# files only; {snapshot.Uri} is {snapshot.LanguageId}");
        if (boundary.Refusal(snapshot.FilePath) is { } outside)
            return RefactoringResult.Refused(kind, outside);
        if (kind == RefactoringKind.Rewrite && string.IsNullOrWhiteSpace(request.Instruction))
            return RefactoringResult.Refused(kind, "Rewrite needs an instruction saying how to rewrite the code");
        var document = workspace.GetDocument(snapshot)!;
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var site = RefactoringSite.Find(root!, snapshot.Text, request.Start, request.End);
        if (RefactoringTarget.For(site, kind) is not { } target)
            return RefactoringResult.Refused(kind, $"{title} does not apply here: {site.WhyNot(kind)}");

        progress?.Report(new RefactoringProgress("waiting for the model"));
        if (await models.WhenLoadedAsync(cancellationToken).ConfigureAwait(false) is not { } model)
            return RefactoringResult.Refused(kind, $"no model is loaded ({models.LoadError ?? "none configured"})");

        TestFileLocation? tests = null;
        string? outline = null;
        if (kind == RefactoringKind.GenerateTests)
        {
            var semanticModel = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
            var method = (IMethodSymbol?)semanticModel?.GetDeclaredSymbol(target.Member!, cancellationToken);
            var type = method?.ContainingType;
            var testNamespace = type?.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString() : null;
            tests = TestFileLocation.Choose(document, type?.Name ?? "Code", method?.Name ?? "Method", testNamespace);
            if (boundary.Refusal(tests.FilePath) is { } testsOutside)
                return RefactoringResult.Refused(kind, "the tests would go to a new file, but " + testsOutside);
            outline = type is null ? null : SignatureFormat.Outline(type);
        }

        progress?.Report(new RefactoringProgress("building the prompt"));
        var code = RefactoringPrompt.CodeOf(target);
        var name = target.Member is { } member ? RefactoringSite.MemberName(member) : "the selection";
        var codeTokens = model.CountTokens(code);
        var maxNewTokens = Math.Min(RefactoringPrompt.MaxNewTokens(kind, codeTokens), model.Window / 2);
        var budget = Math.Min(MaxPromptTokens, model.Window - maxNewTokens - 16);
        // A model trained on the code-only prompt (CodeAssist-Tiny) gets exactly that: the task and the code.
        var codeOnly = model.RefactoringPromptCodeOnly;
        var system = codeOnly ? "" : RefactoringPrompt.System(kind, tests);
        var parts = new RefactoringPromptParts(system, RefactoringPrompt.Task(kind, name), code, request.Instruction, outline)
        {
            Declarations = await _declarations.GetAsync(
                new ContextRequest(
                    snapshot, Math.Min(target.Region.Start + target.Indentation.Length + 1, snapshot.Text.Length), document, "", ""),
                cancellationToken).ConfigureAwait(false),
            FilePath = snapshot.FilePath is null ? null : Path.GetFileName(snapshot.FilePath),
            FileBefore = snapshot.Text.ToString(TextSpan.FromBounds(0, target.Region.Start)),
            FileAfter = snapshot.Text.ToString(TextSpan.FromBounds(target.Region.End, snapshot.Text.Length)),
        };
        var userBudget = budget - model.CountTokens(model.Format.Chat.Build(system, ""));
        if (codeTokens + 64 > userBudget)
        {
            return RefactoringResult.Refused(kind,
                $"the code is too long for the model: {codeTokens} tokens, and {model.Name} has room for about {Math.Max(0, userBudget - 64)} with its reply");
        }
        var turns = codeOnly
            ? new ChatTurns(system, RefactoringPrompt.CodeOnlyUser(parts.Task, code, request.Instruction))
            : new ChatTurns(system, RefactoringPrompt.User(parts, userBudget, model.CountTokens));
        var prompt = model.Format.Chat.Build(turns.System, turns.User);

        var promptTime = clock.Elapsed;
        GenerationResult reply;
        try
        {
            reply = await GenerateAsync(model, new GenerationRequest(prompt, maxNewTokens) { Chat = turns }, progress, cancellationToken).ConfigureAwait(false);
        }
        catch (InferenceUnavailableException e)
        {
            return RefactoringResult.Refused(kind, e.Message);
        }
        var generationTime = clock.Elapsed - promptTime;
        var replyCode = ReplyCode.Extract(reply.Text);
        if (replyCode.Trim().Length == 0)
        {
            return RefactoringResult.Refused(kind, $"the model's reply held no code{Truncation(reply)}")
                with { Timings = new(promptTime, generationTime, TimeSpan.Zero) };
        }

        progress?.Report(new RefactoringProgress("checking the edit with the compiler"));
        var validated = await ValidateAsync(kind, document, snapshot, target, tests, replyCode, cancellationToken).ConfigureAwait(false);
        var timings = new RefactoringTimings(promptTime, generationTime, clock.Elapsed - promptTime - generationTime);
        if (validated.Refusal is { } refusal)
        {
            if (tests is { InTestProject: false })
                refusal += "; no test project (one referencing xunit or named *Tests) is loaded, so the tests were put beside the code";
            return RefactoringResult.Refused(kind, refusal + Truncation(reply)) with { Timings = timings };
        }
        foreach (var (path, _, _, _) in validated.Documents)
        {
            if (boundary.Refusal(path) is { } pathOutside)
                return RefactoringResult.Refused(kind, pathOutside);
        }
        var changes = validated.Documents
            .Where(d => d.IsNew || !d.Before.ContentEquals(d.After))
            .Select(d => new DocumentChange(d.FilePath, d.IsNew, d.Before, d.After, LineEdit.Between(d.Before, d.After))
            {
                Document = !d.IsNew && string.Equals(d.FilePath, snapshot.FilePath, StringComparison.Ordinal) ? snapshot : null,
            })
            .ToList();
        var result = changes.Count == 0 ? RefactoringResult.Refused(kind, "the model proposed no change") : new RefactoringResult(kind, changes, null);
        return result with { Timings = timings };
    }

    private static string Truncation(GenerationResult reply) =>
        reply.StopReason is StopReason.MaxTokens or StopReason.ContextFull ? $" (the reply was cut off after {reply.NewTokens} tokens)" : "";

    private async Task<GenerationResult> GenerateAsync(
        ITextGenerator model, GenerationRequest request, IProgress<RefactoringProgress>? progress, CancellationToken cancellationToken)
    {
        progress?.Report(new RefactoringProgress("generating", 0));
        Generating?.Invoke(true);
        try
        {
            GenerationResult? result = null;
            var pieces = 0;
            await foreach (var _ in model.StreamAsync(request, r => result = r, cancellationToken).ConfigureAwait(false))
            {
                if (++pieces % TokensPerProgressReport == 0)
                    progress?.Report(new RefactoringProgress($"generating ({pieces} tokens)", Math.Min(99, 100 * pieces / request.MaxNewTokens)));
            }
            Generated?.Invoke();
            return result!;
        }
        finally
        {
            Generating?.Invoke(false);
        }
    }

    /// <summary>Lays the reply's code into the document (or a new file) and checks the result with the compiler.</summary>
    private static async Task<ValidatedEdit> ValidateAsync(RefactoringKind kind, Document document, DocumentSnapshot snapshot, RefactoringTarget target,
        TestFileLocation? tests, string replyCode, CancellationToken cancellationToken)
    {
        if (kind == RefactoringKind.GenerateTests)
        {
            var newline = target.Newline;
            var file = string.Join(newline, replyCode.Split('\n').Select(l => l.TrimEnd())) + newline;
            return await EditValidator.ValidateAsync(
                document.Project.Solution, [], [new ProposedFile(tests!.Project, tests.FilePath, file)], cancellationToken).ConfigureAwait(false);
        }

        string inserted;
        TextSpan replaced;
        if (kind == RefactoringKind.Document)
        {
            if (ReplyCode.DocumentationComment(replyCode) is not { } comment)
                return new ValidatedEdit([], "the model's reply held no /// documentation comment");
            inserted = target.Fit(string.Join('\n', comment.Select(l => l.Trim())));
            if (!target.Code.EndsWith('\n'))
                inserted += target.Newline;
            replaced = new TextSpan(target.Region.Start, 0);
        }
        else
        {
            // A member's documentation comment sits above the region and stays; one the model repeats would be doubled.
            var replacement = target.Code.TrimStart().StartsWith("///", StringComparison.Ordinal)
                ? replyCode
                : ReplyCode.WithoutLeadingDocumentationComment(replyCode);
            inserted = target.Fit(replacement);
            replaced = target.Region;
        }
        var text = snapshot.Text.WithChanges(new TextChange(replaced, inserted));
        var proposed = new ProposedText(document.Id, text, new TextSpan(replaced.Start, inserted.Length));
        return await EditValidator.ValidateAsync(document.Project.Solution, [proposed], [], cancellationToken).ConfigureAwait(false);
    }
}
