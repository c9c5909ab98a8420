using System.Text.RegularExpressions;
using CodeAssist.Server.Tests.Reliability;
using CodeAssist.TeamServerStandIns;
using Xunit.Abstractions;

namespace CodeAssist.Server.Tests;

/// <summary>
/// The real server with a team server backend (a llama.cpp stand-in on 127.0.0.1): completions come from it, the
/// status names it and its faults, and — proven with a syscall trace, like the air-gap test — no other address is
/// ever contacted.
/// </summary>
public sealed class TeamServerTests(ITestOutputHelper output) : IDisposable
{
    private const string Program = "using System;\n\nclass Program\n{\n    static void Main()\n    {\n        \n    }\n}\n";
    private const string Reply = "Console.WriteLine(\"from the team server\");";

    private readonly TempDirectory _temp = new();

    private static object InlineParams(string path) => new
    {
        textDocument = new { uri = new Uri(path).AbsoluteUri },
        position = new { line = 6, character = 8 },
        context = new { triggerKind = 1 },
    };

    private static async Task<StandInServer> LlamaServerAsync()
    {
        var server = await StandInServer.StartAsync();
        server.On("GET /v1/models", Replies.Json(EngineFixtures.LlamaCppModels()))
              .On("POST /infill",
                  Replies.Sse(EngineFixtures.LlamaCppChunks(["Console", ".WriteLine(\"from the team server\");"], tokensCached: 12), done: false));
        return server;
    }

    /// <summary>What the server says of a team server at <paramref name="port"/> that refuses connections.</summary>
    private static string Refused(int port) =>
        $"the team server at http://127.0.0.1:{port} refused the connection; is it running and listening on port {port}?";

    /// <summary>`codeassist complete` at line 7, column 9 of <paramref name="program"/>, served by <paramref name="backend"/>.</summary>
    private static Task<(int ExitCode, string Stdout, string Stderr)> CompleteAsync(string program, string backend) =>
        LspTestClient.RunCliAsync(["complete", program, "--line", "7", "--column", "9", "--no-project", "--backend", backend]);

    private static object Backend(Uri url) => new { backend = new { kind = "llamacpp", url = url.ToString() }, candidates = 1 };

    [Fact]
    public async Task Completions_come_from_the_team_server_and_the_status_names_it()
    {
        await using var team = await LlamaServerAsync();
        var program = _temp.WriteFile("app/Program.cs", Program);
        await using var client = LspTestClient.Start(["serve"]);

        await client.InitializeAsync(_temp.Combine("app"), Backend(team.Url));
        var ready = await client.WaitForStatusAsync("ready");
        await client.OpenAsync(program, Program);
        var completion = await client.RequestAsync("textDocument/inlineCompletion", InlineParams(program));

        Assert.Equal($"llamacpp at {team.Url.ToString().TrimEnd('/')}", (string?)ready["params"]!["backend"]);
        Assert.Equal("../models/qwen2.5-coder-7b-q8_0.gguf", (string?)ready["params"]!["model"]);
        Assert.Equal(Reply, (string?)completion["result"]!["items"]![0]!["insertText"]);
        var infill = team.Requests.Single(r => r.Path == "/infill");
        Assert.Contains("\"input_prefix\":\"using System;\\n\\nclass Program\\n{\\n    static void Main()\\n    {\\n        \"", infill.Body,
            StringComparison.Ordinal);
        Assert.Contains("\"cache_prompt\":true", infill.Body, StringComparison.Ordinal);
        Assert.Equal(0, await client.ShutdownAndExitAsync());
    }

    [Fact]
    public async Task A_server_that_refuses_connections_is_an_error_status_and_completion_still_answers()
    {
        using var refusing = new RefusingPort();
        var port = refusing.Port;
        var program = _temp.WriteFile("app/Program.cs", Program);
        await using var client = LspTestClient.Start(["serve"]);

        await client.InitializeAsync(_temp.Combine("app"), Backend(new Uri($"http://127.0.0.1:{port}/")));
        var error = await client.WaitForStatusAsync("error");
        await client.OpenAsync(program, Program);
        var completion = await client.RequestAsync("textDocument/inlineCompletion", InlineParams(program));

        Assert.Equal(Refused(port), (string?)error["params"]!["message"]);
        Assert.Empty(completion["result"]!["items"]!.AsArray());
        Assert.Null(completion["error"]);
        Assert.Equal(0, await client.ShutdownAndExitAsync());
    }

    [Fact]
    public async Task The_complete_command_asks_the_team_server_named_by_backend()
    {
        await using var team = await LlamaServerAsync();
        var program = _temp.WriteFile("app/Program.cs", Program);

        var result = await CompleteAsync(program, $"llamacpp={team.Url}");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(Reply + "\n", result.Stdout.ReplaceLineEndings("\n"));
        Assert.Contains($"on llamacpp at {team.Url.ToString().TrimEnd('/')}", result.Stderr, StringComparison.Ordinal);
        Assert.Single(team.Requests, r => r.Path == "/infill");
    }

    [Fact]
    public async Task The_context_command_prints_the_request_the_team_server_would_get_without_generating()
    {
        await using var team = await LlamaServerAsync();
        var program = _temp.WriteFile("app/Program.cs", Program);

        var result = await LspTestClient.RunCliAsync(["context", program, "--line", "7", "--column", "9", "--no-project", "--backend", $"llamacpp={team.Url}"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains($"---- request to llamacpp at {team.Url.ToString().TrimEnd('/')}: POST /infill ----", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("\"input_prefix\":\"using System;\\n\\nclass Program", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("\"cache_prompt\":true", result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(team.Requests, r => r.Path == "/infill");
    }

    [Fact]
    public async Task The_complete_command_says_why_when_the_team_server_is_down_or_the_backend_is_malformed()
    {
        using var refusing = new RefusingPort();
        var port = refusing.Port;
        var program = _temp.WriteFile("app/Program.cs", Program);

        var down = await CompleteAsync(program, $"llamacpp=http://127.0.0.1:{port}");
        var malformed = await CompleteAsync(program, "ftp://gpu01");

        Assert.Equal(2, down.ExitCode);
        Assert.Contains($"codeassist: the team server at http://127.0.0.1:{port} refused the connection", down.Stderr, StringComparison.Ordinal);
        Assert.Equal(2, malformed.ExitCode);
        Assert.Contains("codeassist: backend url \"ftp://gpu01\" is not an http:// or https:// URL with a host", malformed.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_fallback_local_the_local_model_answers_while_the_team_server_is_down_and_the_status_says_so()
    {
        const string fromLocal = "Console.WriteLine(\"from the local model\");";
        using var refusing = new RefusingPort();
        var port = refusing.Port;
        var program = _temp.WriteFile("app/Program.cs", Program);
        await using var client = LspTestClient.Start(["serve", "--model", _temp.ScriptedModel(fromLocal)]);

        await client.InitializeAsync(_temp.Combine("app"),
            new { backend = new { kind = "llamacpp", url = $"http://127.0.0.1:{port}/", fallback = "local" }, candidates = 1 });
        await client.WaitForStatusAsync("error");
        await client.OpenAsync(program, Program);
        var completion = await client.RequestAsync("textDocument/inlineCompletion", InlineParams(program));
        var status = await client.WaitForNotificationAsync("codeAssist/status",
            n => ((string?)n["params"]!["message"])?.EndsWith("; the local model answers meanwhile", StringComparison.Ordinal) == true);

        Assert.Equal(fromLocal, (string?)completion["result"]!["items"]![0]!["insertText"]);
        Assert.Equal(Refused(port) + "; the local model answers meanwhile", (string?)status["params"]!["message"]);
        Assert.Equal($"llamacpp at http://127.0.0.1:{port} (local model codeassist-scripted answering)", (string?)status["params"]!["backend"]);
        Assert.Equal(0, await client.ShutdownAndExitAsync());
    }

    /// <summary>What a team ships: a model folder with no weights whose codeassist.json names its server.</summary>
    private string TeamFolder(Uri server, string name = "team-qwen")
    {
        _temp.WriteFile($"{name}/codeassist.json", $$"""{ "name": "Team Qwen", "backend": { "kind": "llamacpp", "url": "{{server}}" } }""");
        return _temp.Combine(name);
    }

    private static string Describe(StandInServer server) => $"llamacpp at {server.Url.ToString().TrimEnd('/')}";

    [Fact]
    public async Task A_model_folder_that_names_its_team_server_is_served_from_it_and_the_backend_setting_wins_over_it()
    {
        await using var folderServer = await LlamaServerAsync();
        await using var settingServer = await LlamaServerAsync();
        var program = _temp.WriteFile("app/Program.cs", Program);
        await using var client = LspTestClient.Start(["serve", "--model", TeamFolder(folderServer.Url)]);

        // No backend setting: the folder's server answers.
        await client.InitializeAsync(_temp.Combine("app"), new { candidates = 1 });
        var ready = await client.WaitForStatusAsync("ready");
        await client.OpenAsync(program, Program);
        var fromFolder = await client.RequestAsync("textDocument/inlineCompletion", InlineParams(program));
        Assert.Equal(Describe(folderServer), (string?)ready["params"]!["backend"]);
        Assert.Equal(Reply, (string?)fromFolder["result"]!["items"]![0]!["insertText"]);
        Assert.Single(folderServer.Requests, r => r.Path == "/infill");

        // The user's own backend setting names another server: it wins, and the folder's is asked nothing more.
        await client.NotifyAsync("workspace/didChangeConfiguration",
            new { settings = new { codeassist = new { backend = new { kind = "llamacpp", url = settingServer.Url.ToString() } } } });
        await client.WaitForNotificationAsync("codeAssist/status",
            n => (string?)n["params"]!["backend"] == Describe(settingServer) && (string?)n["params"]!["state"] == "ready");
        var fromSetting = await client.RequestAsync("textDocument/inlineCompletion", InlineParams(program));
        Assert.Equal(Reply, (string?)fromSetting["result"]!["items"]![0]!["insertText"]);
        Assert.Single(settingServer.Requests, r => r.Path == "/infill");
        Assert.Single(folderServer.Requests, r => r.Path == "/infill");
        Assert.Equal(0, await client.ShutdownAndExitAsync());
    }

    [Fact]
    public async Task A_team_folders_languages_restrict_the_served_model_and_the_status_names_them()
    {
        await using var team = await LlamaServerAsync();
        var program = _temp.WriteFile("app/Program.cs", Program);
        var script = _temp.WriteFile("app/tool.py", "def total(items):\n    return \n");
        _temp.WriteFile("team-csharp/codeassist.json",
            $$"""{ "name": "Team C#", "languages": ["csharp"], "backend": { "kind": "llamacpp", "url": "{{team.Url}}" } }""");
        await using var client = LspTestClient.Start(["serve", "--model", _temp.Combine("team-csharp")]);

        await client.InitializeAsync(_temp.Combine("app"), new { candidates = 1 });
        var ready = await client.WaitForStatusAsync("ready");
        await client.OpenAsync(script, "def total(items):\n    return \n", languageId: "python");
        var python = await client.RequestAsync("textDocument/inlineCompletion", new
        {
            textDocument = new { uri = new Uri(script).AbsoluteUri },
            position = new { line = 1, character = 11 },
            context = new { triggerKind = 2 },
        });
        await client.OpenAsync(program, Program);
        var csharp = await client.RequestAsync("textDocument/inlineCompletion", InlineParams(program));

        Assert.Equal(["csharp"], ready["params"]!["languages"]!.AsArray().Select(l => (string?)l));
        Assert.Empty(python["result"]!["items"]!.AsArray());
        Assert.Equal(Reply, (string?)csharp["result"]!["items"]![0]!["insertText"]);
        // The Python file's code never went to the server: only the C# request did.
        Assert.Single(team.Requests, r => r.Path == "/infill");
        Assert.Equal(0, await client.ShutdownAndExitAsync());
    }

    [Fact]
    public async Task The_backend_option_wins_over_the_model_folders_server_on_the_command_line()
    {
        await using var folderServer = await LlamaServerAsync();
        await using var optionServer = await LlamaServerAsync();
        var program = _temp.WriteFile("app/Program.cs", Program);
        string[] complete = ["complete", program, "--line", "7", "--column", "9", "--no-project", "--model", TeamFolder(folderServer.Url)];

        var fromFolder = await LspTestClient.RunCliAsync(complete);
        var fromOption = await LspTestClient.RunCliAsync([.. complete, "--backend", $"llamacpp={optionServer.Url}"]);

        Assert.Equal(0, fromFolder.ExitCode);
        Assert.Contains($"on {Describe(folderServer)}", fromFolder.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, fromOption.ExitCode);
        Assert.Contains($"on {Describe(optionServer)}", fromOption.Stderr, StringComparison.Ordinal);
        Assert.Single(folderServer.Requests, r => r.Path == "/infill");
        Assert.Single(optionServer.Requests, r => r.Path == "/infill");
    }

    [Fact]
    public async Task An_untrusted_workspace_never_contacts_the_server_an_uninstalled_folder_names()
    {
        await using var team = await LlamaServerAsync();
        var program = _temp.WriteFile("app/Program.cs", Program);
        var folder = TeamFolder(team.Url);
        await using var client = LspTestClient.Start(["serve", "--untrusted", "--model", folder]);

        await client.InitializeAsync(_temp.Combine("app"));
        var error = await client.WaitForStatusAsync("error");
        await client.OpenAsync(program, Program);
        var completion = await client.RequestAsync("textDocument/inlineCompletion", InlineParams(program));

        Assert.Contains($"the model folder {folder} is outside the models directory", (string?)error["params"]!["message"], StringComparison.Ordinal);
        Assert.Empty(completion["result"]!["items"]!.AsArray());
        Assert.Empty(team.Requests);
        Assert.Equal(0, await client.ShutdownAndExitAsync());
    }

    [Fact]
    public async Task Only_the_configured_host_and_port_are_contacted()
    {
        if (!ProcessSockets.StraceUsable(out var why))
        {
            output.WriteLine($"no syscall trace: {why}");
            return;
        }
        await using var team = await LlamaServerAsync();
        var program = _temp.WriteFile("app/Program.cs", Program);
        var log = _temp.Combine("strace.log");
        await using (var client = LspTestClient.Start(["serve"], ["strace", "-f", "--seccomp-bpf", "-qq", "-e", "trace=%network", "-o", log]))
        {
            await client.InitializeAsync(_temp.Combine("app"), Backend(team.Url));
            await client.WaitForStatusAsync("ready");
            await client.OpenAsync(program, Program);
            var completion = await client.RequestAsync("textDocument/inlineCompletion", InlineParams(program));
            Assert.Equal(Reply, (string?)completion["result"]!["items"]![0]!["insertText"]);
            Assert.Equal(0, await client.ShutdownAndExitAsync());
        }

        var lines = File.ReadAllLines(log);
        // Every bind, connect or send with an Internet address shows its sa_family; each must be the team server.
        var internet = lines.Where(l => l.Contains("sa_family=AF_INET", StringComparison.Ordinal)).ToList();
        var port = team.Url.Port;
        var teamServer = $@"\{{sa_family=AF_INET, sin_port=htons\({port}\), sin_addr=inet_addr\(""127\.0\.0\.1""\)\}}";
        // connect to it, and getpeername on that connection; nothing else with an Internet address.
        var elsewhere = internet.Where(l => !Regex.IsMatch(l, teamServer)).ToList();
        output.WriteLine($"{lines.Length} network syscalls, {internet.Count} with an Internet address:\n{string.Join("\n", internet)}");
        Assert.Contains(internet, l => Regex.IsMatch(l, @"connect\(\d+, " + teamServer));
        Assert.True(elsewhere.Count == 0, string.Join("\n", elsewhere.Take(5)));
    }

    public void Dispose() => _temp.Dispose();
}
