using CodeAssist.Engine.Workspace;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace CodeAssist.Engine.Tests.Workspace;

/// <summary>When a keystroke gets a speculative semantic model instead of a new compilation.</summary>
public sealed class SemanticModelReuseTests : IDisposable
{
    private const string Code = "class C\n{\n    int Twice(int x)\n    {\n        return x * 2;\n    }\n}\n";

    private readonly AdhocWorkspace _workspace = new();
    private readonly SemanticModelReuse _reuse = new();
    private readonly DocumentId _id;

    public SemanticModelReuseTests()
    {
        var project = _workspace.AddProject(ProjectInfo.Create(ProjectId.CreateNewId(), VersionStamp.Create(), "p", "p", LanguageNames.CSharp)
            .WithMetadataReferences([MetadataReference.CreateFromFile(typeof(object).Assembly.Location)]));
        _id = _workspace.AddDocument(DocumentInfo.Create(DocumentId.CreateNewId(project.Id), "C.cs", filePath: "/src/C.cs",
            loader: TextLoader.From(TextAndVersion.Create(SourceText.From(Code), VersionStamp.Create())))).Id;
    }

    public void Dispose() => _workspace.Dispose();

    private static int InBody => Code.IndexOf("return", StringComparison.Ordinal);

    private Document Edit(string from, string to)
    {
        var document = _workspace.CurrentSolution.GetDocument(_id)!;
        var text = document.GetTextAsync().Result;
        var start = text.ToString().IndexOf(from, StringComparison.Ordinal);
        return document.WithText(text.WithChanges(new TextChange(new TextSpan(start, from.Length), to)));
    }

    [Fact]
    public async Task The_same_document_twice_is_answered_from_the_first_compilation()
    {
        var document = _workspace.CurrentSolution.GetDocument(_id)!;

        var first = await _reuse.GetAsync(document, InBody, CancellationToken.None);
        var second = await _reuse.GetAsync(document, InBody, CancellationToken.None);

        Assert.NotNull(first);
        Assert.Same(first, second);
        Assert.Equal(1, _reuse.BasesBuilt);
    }

    [Fact]
    public async Task An_edit_inside_a_method_body_binds_speculatively_against_the_last_compilation()
    {
        await _reuse.GetAsync(_workspace.CurrentSolution.GetDocument(_id)!, InBody, CancellationToken.None);

        var model = await _reuse.GetAsync(Edit("x * 2", "x * 3"), InBody, CancellationToken.None);

        Assert.True(model!.IsSpeculativeSemanticModel);
        Assert.Equal(1, _reuse.BasesBuilt);
    }

    [Fact]
    public async Task A_changed_signature_builds_a_new_compilation()
    {
        await _reuse.GetAsync(_workspace.CurrentSolution.GetDocument(_id)!, InBody, CancellationToken.None);

        var model = await _reuse.GetAsync(Edit("int x", "long x"), InBody, CancellationToken.None);

        Assert.False(model!.IsSpeculativeSemanticModel);
        Assert.Equal(2, _reuse.BasesBuilt);
    }
}
