using System.Text.Json;
using System.Text.RegularExpressions;
using CodeAssist.Inference.Models;

namespace CodeAssist.ShippedModel.Tests;

/// <summary>
/// The default model as a fresh install runs it: the folder from models/codeassist-tiny through the server's own
/// completion pipeline. The cases are ones any trained C# model gets right and a random or mis-exported one (a
/// projection not transposed, a wrong tokenizer) gets wrong; each is one Check with the cursor at <c>$0</c>.
/// </summary>
public sealed class ShippedModelTests(ShippedModelFixture fixture) : IClassFixture<ShippedModelFixture>
{
    [Fact]
    public void The_folder_is_a_valid_GenAI_model_named_codeassist_tiny()
    {
        Assert.Empty(ModelFolder.Verify(ShippedModelFixture.ModelDirectory));
        using var settings = JsonDocument.Parse(File.ReadAllText(Path.Combine(ShippedModelFixture.ModelDirectory, "codeassist.json")));
        Assert.Equal("codeassist-tiny", settings.RootElement.GetProperty("name").GetString());
        Assert.Equal("codeassist-tiny", fixture.Model.Name);
    }

    [Fact]
    public Task Closes_a_Console_WriteLine_call() => Check(
        """
        using System;

        public static class Program
        {
        	public static void Main(string[] args)
        	{
        		Console.WriteLine("Hello, world!"$0
        	}
        }
        """,
        completion => completion.StartsWith(");", StringComparison.Ordinal));

    [Fact]
    public Task Completes_the_parameters_of_Main() => Check(
        """
        using System;

        public static class Program
        {
        	public static void Main($0
        }
        """,
        completion => completion.StartsWith("string[] args)", StringComparison.Ordinal));

    [Fact]
    public Task Completes_a_using_directive_with_a_namespace() => Check(
        """
        using System;
        using System.$0

        public static class Program
        {
        }
        """,
        completion => Regex.IsMatch(completion, @"^[A-Z][A-Za-z]*(\.[A-Z][A-Za-z]*)*;"));

    [Fact]
    public Task Completes_a_return_statement_of_a_property() => Check(
        """
        public sealed class Counter
        {
        	private int _count;

        	public int Count
        	{
        		get
        		{
        			return $0
        		}
        	}
        }
        """,
        completion => completion.StartsWith("_count;", StringComparison.Ordinal));

    private async Task Check(string markup, Func<string, bool> expected)
    {
        var completion = await fixture.CompleteAsync(markup);
        Assert.True(expected(completion), $"The shipped model completed the $0 position with {JsonSerializer.Serialize(completion)}; a broken export, tokenizer or prompt format makes it miss cases this simple. Regenerate the model with models/CodeAssist.Training (see its README).");
    }
}
