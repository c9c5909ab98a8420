using System.Text.Json;
using System.Text.Json.Serialization;
using CodeAssist.Engine.Refactoring;
using CodeAssist.Server.Handlers.CodeActions;
using Microsoft.CodeAnalysis.Text;

namespace CodeAssist.Server.Tests;

/// <summary>The WorkspaceEdit a refactoring answers, as the client reads it.</summary>
public sealed class WorkspaceEditTests
{
    private static readonly JsonSerializerOptions LspJson = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    [Fact]
    public void A_new_file_is_created_and_filled_at_a_file_uri_not_a_bare_path()
    {
        var path = Path.Combine(Path.GetTempPath(), "Shop", "Shop.Tests", "CartTests.cs");
        var text = "using Xunit;\n";
        var result = new RefactoringResult(RefactoringKind.GenerateTests,
            [new DocumentChange(path, IsNew: true, SourceText.From(""), SourceText.From(text), new TextReplacement(0, 0, text))], null);

        var json = JsonSerializer.Serialize(RefactoringRequests.ToWorkspaceEdit(result), LspJson);

        var uri = new Uri(path).AbsoluteUri;
        Assert.StartsWith("file:///", uri, StringComparison.Ordinal);
        Assert.Contains($"{{\"uri\":\"{uri}\",\"kind\":\"create\"}}", json, StringComparison.Ordinal);
        Assert.Contains($"\"textDocument\":{{\"uri\":\"{uri}\"", json, StringComparison.Ordinal);
    }
}
