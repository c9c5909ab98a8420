namespace CodeAssist.Server.Tests;

/// <summary>
/// The trained default model (models/codeassist-tiny) as an editor meets it: the real `codeassist serve` process over
/// stdio, real positions, exact expected text. The in-process tests (CodeAssist.ShippedModel.Tests) check what any
/// useful model must get right; these pin what this model answers through the served process, so a difference
/// between the served path and the in-process one (settings, prompt, post-processing) shows up here.
/// </summary>
public sealed class ShippedModelOverStdioTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    /// <summary>An unfinished Console.WriteLine call; the cursor ($0) is right after its argument.</summary>
    private const string HelloWorld =
        "using System;\n\npublic static class Program\n{\n\tpublic static void Main(string[] args)\n\t{\n\t\tConsole.WriteLine(\"Hello, world!\"$0\n\t}\n}\n";

    private static string ModelDirectory
    {
        get
        {
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "CodeAssist.sln")))
                directory = directory.Parent;
            var root = directory?.FullName ?? throw new InvalidOperationException($"No CodeAssist.sln above {AppContext.BaseDirectory}.");
            return Path.Combine(root, "models", "codeassist-tiny");
        }
    }

    /// <summary>
    /// A served default model whose loose-files project is bound (#19: until then a completion answers at once without
    /// the semantic context), so the pinned answers are the ones with the compiler's context, whatever the load.
    /// </summary>
    private static async Task<LspTestClient> StartWithLooseFilesWarmedAsync(string root)
    {
        var client = LspTestClient.Start(["serve", "--model", ModelDirectory, "--device", "cpu", "--log-level", "debug"]);
        await client.InitializeAsync(root);
        await client.WaitForLogAsync("loose-file workspace ready");
        return client;
    }

    [Fact]
    public async Task The_served_default_model_completes_real_positions_exactly()
    {
        (string Markup, string Expected)[] cases =
        [
            (HelloWorld, ");"),
            ("using System;\nusing System.Collections.$0\n\npublic static class Program\n{\n}\n", "Generic;"),
            ("public static class Sums\n{\n\tpublic static int Sum(int[] items)\n\t{\n\t\tint total = 0;\n\t\tfor (int i = 0; i < items.Length; i$0\n" +
                "\t\t{\n\t\t\ttotal += items[i];\n\t\t}\n\t\treturn total;\n\t}\n}\n", "++)"),
        ];
        // A fixed folder name: it is the repository name in the prompt.
        var root = _temp.Combine("Samples");
        Directory.CreateDirectory(root);
        await using var client = await StartWithLooseFilesWarmedAsync(root);
        var answers = new List<string>();
        for (var i = 0; i < cases.Length; i++)
        {
            var offset = cases[i].Markup.IndexOf("$0", StringComparison.Ordinal);
            var text = cases[i].Markup.Remove(offset, 2);
            var path = _temp.WriteFile($"Samples/Case{i}.cs", text);
            await client.OpenAsync(path, text);
            var before = text[..offset];
            var response = await client.RequestAsync("textDocument/inlineCompletion", new
            {
                textDocument = new { uri = new Uri(path).AbsoluteUri },
                position = new { line = before.Count(c => c == '\n'), character = offset - (before.LastIndexOf('\n') + 1) },
                context = new { triggerKind = 2 },
            });
            var items = response["result"]!["items"]!.AsArray();
            answers.Add(items.Count > 0 ? (string?)items[0]!["insertText"] ?? "" : "");
            await client.NotifyAsync("textDocument/didClose", new { textDocument = new { uri = new Uri(path).AbsoluteUri } });
        }
        Assert.Equal(0, await client.ShutdownAndExitAsync());

        Assert.Equal(cases.Select(c => c.Expected), answers);
    }

    [Fact]
    public async Task The_default_model_learned_CSharp_only_and_is_offered_no_other_language()
    {
        // Issue #24: in a Python file after this line the default model answered C#. Its folder says ["csharp"].
        // The C# case is the first of the test above, asked before the Python file opens (it would be context).
        var root = _temp.Combine("Samples");
        Directory.CreateDirectory(root);
        await using var client = await StartWithLooseFilesWarmedAsync(root);
        var csharp = _temp.WriteFile("Samples/Case0.cs", HelloWorld.Replace("$0", "", StringComparison.Ordinal));
        await client.OpenAsync(csharp, File.ReadAllText(csharp));
        var inCSharp = await client.RequestAsync("textDocument/inlineCompletion", new
        {
            textDocument = new { uri = new Uri(csharp).AbsoluteUri },
            position = new { line = 6, character = 35 },
            context = new { triggerKind = 2 },
        });
        var python = _temp.WriteFile("Samples/list.py", "import os\n\ndef names(path):\n    for name in os.listdir(path):\n        \n");
        await client.OpenAsync(python, File.ReadAllText(python), languageId: "python");
        var inPython = await client.RequestAsync("textDocument/inlineCompletion", new
        {
            textDocument = new { uri = new Uri(python).AbsoluteUri },
            position = new { line = 4, character = 8 },
            context = new { triggerKind = 2 },
        });
        var ready = await client.WaitForNotificationAsync("codeAssist/status", n => (string?)n["params"]!["state"] == "ready");
        var generations = (int)(await client.RequestAsync("codeAssist/stats", null))["result"]!["generations"]!;
        var doctor = (string?)(await client.RequestAsync("codeAssist/doctor", null))["result"]!["report"];
        Assert.Equal(0, await client.ShutdownAndExitAsync());

        Assert.Empty(inPython["result"]!["items"]!.AsArray());
        Assert.Equal(");", (string?)inCSharp["result"]!["items"]![0]!["insertText"]);
        Assert.Equal(1, generations);
        Assert.Equal("[\"csharp\"]", ready["params"]!["languages"]!.ToJsonString());
        Assert.Contains("csharp only: other languages get no suggestion", doctor, StringComparison.Ordinal);
    }

    public void Dispose() => _temp.Dispose();
}
