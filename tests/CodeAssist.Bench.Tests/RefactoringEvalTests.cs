using CodeAssist.Bench.Commands;
using CodeAssist.Engine.Evaluation;
using CodeAssist.Engine.Refactoring;
using CodeAssist.Engine.Workspace;

namespace CodeAssist.Bench.Tests;

/// <summary>
/// `eval --refactorings` on a real project: Roslyn synthesises each refactoring's case and reference, the real server
/// resolves it with a scripted model, and the scores say what that reply was worth: the validation it was scripted to
/// give matches exactly, the same reply offered as a "simplification" is caught adding behaviour, and a well-formed
/// comment naming the real parameters counts as documentation.
/// </summary>
public sealed class RefactoringEvalTests : IDisposable
{
    private readonly TempDirectory _temp = new("codeassist-refactoring-eval-");

    private const string Greeter = """
        namespace Shop;

        public sealed class Greeter
        {
            private readonly string _greeting = "Hello ";

            public string Greet(string name)
            {
                return _greeting + name;
            }
        }

        """;

    private const string Validated = """
        public string Greet(string name)
        {
            ArgumentNullException.ThrowIfNull(name);
            return _greeting + name;
        }
        """;

    private static async Task<IReadOnlyList<RefactoringCase>> CasesAsync(string folder)
    {
        using var workspace = new CodeWorkspace { WarmCompilationsAfterLoad = false };
        var load = await workspace.LoadProjectsAsync(SolutionLoader.FindProjectSystem([folder]), null, CancellationToken.None);
        return await RefactoringCases.GenerateAsync(load.Solution!, 5, seed: 1, CancellationToken.None);
    }

    private string ScriptedModel(string name, string reply) => _temp.ScriptedModel(reply, name);

    [Fact]
    public async Task Roslyn_references_score_the_servers_refactorings_exactly()
    {
        var folder = _temp.WriteProject("Shop", SampleProjects.LibraryProject, ("Greeter.cs", Greeter));

        var cases = await CasesAsync(folder);

        Assert.Equal([RefactoringKind.AddValidation, RefactoringKind.Document, RefactoringKind.Simplify], cases.Select(c => c.Kind));
        Assert.All(cases, c => Assert.Equal(["name"], c.Parameters));
        Assert.Equal(RefactoringCases.Normalize(Validated), RefactoringCases.Normalize(cases[0].Reference!));
        Assert.Null(cases[1].Reference);
        var simplify = cases[2];
        Assert.Contains("this._greeting", simplify.Setup!.Value.NewText);
        var method = Greeter[Greeter.IndexOf("public string", StringComparison.Ordinal)..Greeter.IndexOf("}\n}", StringComparison.Ordinal)] + "}";
        Assert.Equal(RefactoringCases.Normalize(method), RefactoringCases.Normalize(simplify.Reference!));

        var validation = await RefactoringEval.MeasureAsync(folder, [cases[0], cases[2]], ScriptedModel("validation", Validated), CancellationToken.None);

        var byKind = validation.Kinds.ToDictionary(k => k.Kind);
        var validationScore = byKind["Add argument validation"];
        Assert.Equal((1.0, 1, 1.0), (validationScore.Validated, validationScore.ReferenceCases, validationScore.ExactMatch));
        var simplified = Assert.Single(validation.Results, r => r.Kind == "Simplify");
        Assert.True(simplified.Validated, simplified.Refusal);
        Assert.Equal((false, false), (simplified.ExactMatch, simplified.Safe));
        Assert.Equal(0.0, byKind["Simplify"].Safe);

        var documentation = await RefactoringEval.MeasureAsync(folder, [cases[1]],
            ScriptedModel("documentation", "```csharp\n/// <summary>Greets someone.</summary>\n/// <param name=\"name\">Who is greeted.</param>\n```"),
            CancellationToken.None);

        var documented = Assert.Single(documentation.Results);
        Assert.True(documented.Validated, documented.Refusal);
        Assert.True(documented.WellFormed);
        Assert.Equal(1.0, Assert.Single(documentation.Kinds).WellFormed);
    }

    public void Dispose() => _temp.Dispose();
}
