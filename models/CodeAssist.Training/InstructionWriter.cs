using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using CodeAssist.Engine.Evaluation;
using CodeAssist.Engine.Refactoring;
using CodeAssist.Inference.Prompts;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Simplification;
using Microsoft.CodeAnalysis.Text;

namespace CodeAssist.Training;

/// <summary>
/// `codeassist-train instructions`: refactoring examples synthesised with Roslyn from the train split's methods
/// (never validation or test, where the evaluation's held-out methods come from), each in the exact prompt the server
/// sends CodeAssist-Tiny (<see cref="CodeOnlyRefactoringPrompt"/> in the <c>codeassist</c> chat format) with the reply
/// the refactoring should give:
/// <list type="bullet">
/// <item>"Add argument validation": the method with <see cref="RefactoringCases.ValidationChecks"/> added (the evaluation's
/// own reference, <see cref="RefactoringCases.ValidationReference"/>).</item>
/// <item>"Document this member": a documentation comment with a summary, a &lt;param&gt; for each real parameter and
/// &lt;returns&gt;; the text from the reference packs' XML documentation of the decompiled member where it has one,
/// otherwise made from the names.</item>
/// <item>"Simplify": the evaluation's cases (the method lengthened with <c>this.</c> and namespaces, Roslyn's
/// <see cref="Simplifier"/> as the reply), and methods Roslyn finds nothing to simplify in, answered unchanged.</item>
/// </list>
/// </summary>
internal static class InstructionWriter
{
    public const int DefaultPerKind = 1500;

    /// <summary>Train files given to Roslyn: enough methods for every kind, few enough to bind in minutes.</summary>
    private const int MaxFiles = 1600;

    private const int Seed = 24;

    public static void Write(TrainingPaths paths, int perKind)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var manifest = CorpusManifest.Read(paths.Manifest);
        var random = new Random(Seed);
        var files = manifest.Files.Where(f => f.Split == "train").OrderBy(_ => random.Next()).Take(MaxFiles).ToList();
        var (references, documentation) = ReferencePacks();
        var solution = Solution(paths, files, references);
        Log.Write($"instructions: {files.Count} train files, {references.Count} reference assemblies, {documentation.Count} documented members");

        var cases = RefactoringCases.GenerateAsync(solution, perKind, Seed, CancellationToken.None).GetAwaiter().GetResult();
        var examples = new List<InstructionExample>();
        foreach (var @case in cases)
        {
            if (Example(solution, @case, documentation) is { } example)
                examples.Add(example);
        }
        examples.AddRange(Unchanged(solution, perKind / 3, random));
        var shuffled = examples.OrderBy(_ => random.Next()).ToList();
        File.WriteAllLines(paths.Instructions, shuffled.Select(e => JsonSerializer.Serialize(e, Json.Lines)));
        foreach (var group in shuffled.GroupBy(e => e.Kind))
            Log.Write($"instructions: {group.Key}: {group.Count()} examples");
        Log.Write($"instructions: {shuffled.Count} examples in {paths.Instructions} ({clock.Elapsed.TotalMinutes:F1} min)");
    }

    /// <summary>The server's prompt for a case (its set-up applied first) and the reply that refactoring should give.</summary>
    private static InstructionExample? Example(Solution solution, RefactoringCase @case, IReadOnlyDictionary<string, XElement> documentation)
    {
        var document = solution.GetDocumentIdsWithFilePath(@case.FilePath).Select(solution.GetDocument).First()!;
        var text = document.GetTextAsync().GetAwaiter().GetResult();
        if (@case.Setup is { } setup)
        {
            text = text.WithChanges(setup);
            document = document.WithText(text);
        }
        var root = document.GetSyntaxRootAsync().GetAwaiter().GetResult()!;
        if (CodeOnlyRefactoringPrompt.At(root, text, @case.Position, @case.Kind) is not { } prompt)
            return null;
        var indentation = prompt.Code[..(prompt.Code.Length - prompt.Code.TrimStart().Length)];
        string? reply;
        switch (@case.Kind)
        {
            case RefactoringKind.AddValidation or RefactoringKind.Simplify when @case.Reference is { } reference:
                reply = indentation + reference;
                break;
            case RefactoringKind.Document:
                var method = root.FindToken(@case.Position).Parent?.AncestorsAndSelf().OfType<MethodDeclarationSyntax>().FirstOrDefault();
                var model = document.GetSemanticModelAsync().GetAwaiter().GetResult();
                reply = method is null || model?.GetDeclaredSymbol(method) is not { } symbol ? null : Documentation(symbol, documentation);
                break;
            default:
                reply = null;
                break;
        }
        return reply is null ? null : Instruction(@case.Kind, @case.FilePath, prompt, reply);
    }

    private static InstructionExample Instruction(RefactoringKind kind, string file, CodeOnlyRefactoring prompt, string reply) =>
        new(RefactoringKinds.Name(kind), file, prompt.Member, ChatFormat.CodeAssist.Build("", prompt.User),
            "```csharp\n" + reply.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n') + "\n```");

    /// <summary>
    /// "Simplify" on methods Roslyn's <see cref="Simplifier"/> leaves as they are: the right answer is the code unchanged
    /// (which the server turns into "no change"), so the model does not learn to change code that has nothing to simplify.
    /// </summary>
    private static List<InstructionExample> Unchanged(Solution solution, int count, Random random)
    {
        var examples = new List<InstructionExample>();
        foreach (var document in solution.Projects.SelectMany(p => p.Documents).OrderBy(_ => random.Next()))
        {
            if (examples.Count >= count)
                break;
            var root = document.GetSyntaxRootAsync().GetAwaiter().GetResult()!;
            var text = document.GetTextAsync().GetAwaiter().GetResult();
            var method = root.DescendantNodes().OfType<MethodDeclarationSyntax>()
                .Where(m => m.Body is not null
                    && text.Lines.GetLinePosition(m.Span.End).Line - text.Lines.GetLinePosition(m.SpanStart).Line < RefactoringCases.MaxLines)
                .OrderBy(_ => random.Next())
                .FirstOrDefault();
            if (method is null)
                continue;
            var annotated = document.WithSyntaxRoot(root.ReplaceNode(method, method.WithAdditionalAnnotations(Simplifier.Annotation)));
            var simplified = Simplifier.ReduceAsync(annotated, Simplifier.Annotation).GetAwaiter().GetResult();
            var after = simplified.GetTextAsync().GetAwaiter().GetResult();
            if (!after.ContentEquals(text)
                || CodeOnlyRefactoringPrompt.At(root, text, method.Identifier.SpanStart, RefactoringKind.Simplify) is not { } prompt)
            {
                continue;
            }
            examples.Add(Instruction(RefactoringKind.Simplify, document.FilePath!, prompt, prompt.Code));
        }
        return examples;
    }

    /// <summary>
    /// The comment lines for <paramref name="method"/>: the reference pack's summary, parameters and returns where it
    /// documents the member, otherwise sentences made from the names. Null when a parameter has no usable name.
    /// </summary>
    private static string? Documentation(IMethodSymbol method, IReadOnlyDictionary<string, XElement> documentation)
    {
        if (method.Parameters.Any(p => !SyntaxFacts.IsValidIdentifier(p.Name)))
            return null;
        documentation.TryGetValue(method.GetDocumentationCommentId() ?? "", out var documented);
        var lines = new List<string>();
        var summary = Text(documented?.Element("summary")) ?? Sentence(method.Name);
        lines.Add("/// <summary>");
        lines.Add("/// " + summary);
        lines.Add("/// </summary>");
        foreach (var parameter in method.Parameters)
        {
            var text = Text(documented?.Elements("param").FirstOrDefault(p => (string?)p.Attribute("name") == parameter.Name))
                ?? $"The {Words(parameter.Name)}.";
            lines.Add($"/// <param name=\"{parameter.Name}\">{text}</param>");
        }
        if (!method.ReturnsVoid)
            lines.Add($"/// <returns>{Text(documented?.Element("returns")) ?? "The result."}</returns>");
        return string.Join('\n', lines);
    }

    /// <summary>
    /// An XML doc element's content on one line: whitespace collapsed, crefs without their "T:" kind prefix, cut after
    /// the sentence that passes 240 characters.
    /// </summary>
    private static string? Text(XElement? element)
    {
        if (element is null)
            return null;
        foreach (var cref in element.Descendants().Select(e => e.Attribute("cref")).OfType<XAttribute>())
        {
            if (cref.Value.Length > 2 && cref.Value[1] == ':')
                cref.Value = cref.Value[2..];
        }
        var inner = string.Concat(element.Nodes().Select(n => n.ToString(SaveOptions.DisableFormatting)));
        var text = string.Join(' ', inner.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        if (text.Length == 0)
            return null;
        var cut = text.IndexOf(". ", Math.Min(text.Length, 240), StringComparison.Ordinal);
        return cut > 0 ? text[..(cut + 1)] : text;
    }

    /// <summary>"TryGetValue" → "Tries to get value.", "Dispose" → "Disposes.": a summary from a method's name.</summary>
    private static string Sentence(string name)
    {
        var words = Words(name).Split(' ');
        var verb = words[0];
        verb = verb.EndsWith('y') && verb.Length > 1 && !"aeiou".Contains(verb[^2], StringComparison.Ordinal) ? verb[..^1] + "ies"
            : verb.EndsWith('s') || verb.EndsWith("sh", StringComparison.Ordinal) || verb.EndsWith("ch", StringComparison.Ordinal) ? verb + "es"
            : verb + "s";
        var rest = string.Join(' ', words.Skip(1));
        var sentence = rest.Length == 0 ? verb : words[0] == "try" ? $"{verb} to {rest}" : $"{verb} the {rest}";
        return char.ToUpperInvariant(sentence[0]) + sentence[1..] + ".";
    }

    /// <summary>"startIndex" → "start index", "HTTPClient" → "httpclient": an identifier's words in lower case.</summary>
    private static string Words(string name)
    {
        var words = new StringBuilder();
        for (var i = 0; i < name.Length; i++)
        {
            if (name[i] == '_')
            {
                words.Append(' ');
                continue;
            }
            if (i > 0 && char.IsUpper(name[i]) && char.IsLower(name[i - 1]))
                words.Append(' ');
            words.Append(char.ToLowerInvariant(name[i]));
        }
        return string.Join(' ', words.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>
    /// The train files in one C# project per file (a decompiled type binds alone against the reference assemblies; one
    /// compilation of all of them would be slow and mix their errors), nullable annotations on as the framework's are.
    /// </summary>
    private static Solution Solution(TrainingPaths paths, IReadOnlyList<CorpusFile> files, IReadOnlyList<MetadataReference> references)
    {
        var workspace = new AdhocWorkspace();
        var solution = workspace.CurrentSolution;
        var options = new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable,
            allowUnsafe: true);
        var parse = new CSharpParseOptions(LanguageVersion.Preview);
        foreach (var file in files)
        {
            var id = ProjectId.CreateNewId();
            var path = paths.CorpusFile(file);
            solution = solution
                .AddProject(ProjectInfo.Create(id, VersionStamp.Default, file.Path, "Train" + id.Id.ToString("N")[..8], LanguageNames.CSharp,
                    compilationOptions: options, parseOptions: parse, metadataReferences: references))
                .AddDocument(DocumentId.CreateNewId(id), Path.GetFileName(path), SourceText.From(File.ReadAllText(path)), filePath: path);
        }
        return solution;
    }

    /// <summary>
    /// The SDK's reference packs (Microsoft.NETCore.App.Ref, Microsoft.AspNetCore.App.Ref) of the running version: the
    /// reference assemblies a project compiles against, and their XML documentation by documentation id.
    /// </summary>
    private static (IReadOnlyList<MetadataReference> References, IReadOnlyDictionary<string, XElement> Documentation) ReferencePacks()
    {
        var dotnet = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(typeof(object).Assembly.Location)!, "..", "..", ".."));
        var version = Environment.Version;
        var references = new List<MetadataReference>();
        var documentation = new Dictionary<string, XElement>(StringComparer.Ordinal);
        foreach (var pack in new[] { "Microsoft.NETCore.App.Ref", "Microsoft.AspNetCore.App.Ref" })
        {
            var packDirectory = Path.Combine(dotnet, "packs", pack);
            if (!Directory.Exists(packDirectory))
                continue;
            var versionDirectory = Directory.GetDirectories(packDirectory)
                .OrderByDescending(d => Path.GetFileName(d).StartsWith($"{version.Major}.{version.Minor}.", StringComparison.Ordinal))
                .ThenByDescending(d => d, StringComparer.Ordinal)
                .First();
            foreach (var directory in Directory.GetDirectories(Path.Combine(versionDirectory, "ref")))
            {
                foreach (var assembly in Directory.GetFiles(directory, "*.dll").Order(StringComparer.Ordinal))
                    references.Add(MetadataReference.CreateFromFile(assembly));
                foreach (var xml in Directory.GetFiles(directory, "*.xml"))
                {
                    foreach (var member in XDocument.Load(xml).Descendants("member"))
                    {
                        if ((string?)member.Attribute("name") is { } name)
                            documentation.TryAdd(name, member);
                    }
                }
            }
        }
        if (references.Count == 0)
        {
            throw new DirectoryNotFoundException(
                $"No reference pack under {dotnet}/packs; the instruction data needs the .NET SDK's Microsoft.NETCore.App.Ref.");
        }
        return (references, documentation);
    }
}
