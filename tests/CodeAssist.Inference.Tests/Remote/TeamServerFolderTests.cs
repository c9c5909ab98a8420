using CodeAssist.Inference.Models;
using CodeAssist.Inference.Remote;

namespace CodeAssist.Inference.Tests.Remote;

/// <summary>A model folder whose codeassist.json names its team's server: what a team ships instead of weights.</summary>
public sealed class TeamServerFolderTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    private string TeamFolder(string backend, string name = "team-qwen")
    {
        var folder = _temp.Combine(name);
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, ModelFolder.SettingsFile), $$"""{ "name": "Team Qwen 32B", "backend": {{backend}} }""");
        return folder;
    }

    [Fact]
    public void A_folder_without_weights_that_names_a_team_server_verifies_and_takes_relative_paths_from_itself()
    {
        var folder = TeamFolder("""{ "kind": "llamacpp", "url": "https://gpu01.corp:8080", "model": "qwen2.5-coder-32b", "caBundle": "corp-ca.pem",""" +
            """ "apiKeyFile": "~/.config/codeassist/team.key", "fallback": "local" }""");

        var backend = ModelFolder.DeclaredBackend(folder)!;

        Assert.Empty(ModelFolder.Verify(folder, _temp.Path));
        Assert.False(ModelFolder.HasWeights(folder));
        Assert.Equal(TeamServerKind.LlamaCpp, backend.Kind);
        Assert.Equal("llamacpp at https://gpu01.corp:8080", backend.Describe());
        Assert.Equal("qwen2.5-coder-32b", backend.Model);
        Assert.Equal(Path.Combine(folder, "corp-ca.pem"), backend.CaBundle);
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        Assert.Equal(Path.GetFullPath(Path.Join(home, ".config/codeassist/team.key")), backend.ApiKeyFile);
        Assert.True(backend.FallbackToLocal);
    }

    /// <summary>The folder's languages narrow what its server's model is offered, as a local folder's do (ModelLanguages).</summary>
    [Fact]
    public void A_folders_languages_restrict_the_model_its_server_serves()
    {
        var folder = _temp.Combine("team-csharp");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, ModelFolder.SettingsFile),
            """{ "name": "Team C#", "languages": ["csharp"], "backend": { "kind": "llamacpp", "url": "http://gpu01:8080" } }""");

        var backend = ModelFolder.DeclaredBackend(folder)!;
        using var model = new RemoteModel(backend, _ => { });

        Assert.Equal(["csharp"], backend.Languages);
        Assert.True(model.Languages.Includes("csharp"));
        Assert.False(model.Languages.Includes("python"));
        Assert.Equal("csharp only: other languages get no suggestion", model.Languages.DoctorLine);
        var everyLanguage = ModelFolder.DeclaredBackend(TeamFolder("""{ "kind": "llamacpp", "url": "http://gpu01:8080" }"""))!;
        Assert.True(new RemoteModel(everyLanguage, _ => { }).Languages.IsAll);
    }

    [Fact]
    public void An_empty_languages_list_in_a_team_folder_is_refused_with_the_reason()
    {
        var folder = _temp.Combine("team-none");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, ModelFolder.SettingsFile),
            """{ "languages": [], "backend": { "kind": "llamacpp", "url": "http://gpu01:8080" } }""");

        var problem = Assert.Single(ModelFolder.Verify(folder, _temp.Path));

        Assert.StartsWith($"codeassist.json in {folder}: languages is empty", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_in_a_model_folder_is_refused_as_in_settings()
    {
        var folder = TeamFolder("""{ "kind": "openai", "url": "https://vllm.corp:8000", "apiKey": "sk-team-7f3a9c2e51d04b8e" }""");

        var problem = Assert.Single(ModelFolder.Verify(folder, _temp.Path));

        Assert.StartsWith($"codeassist.json in {folder}: backend.apiKey is refused", problem, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-team", problem, StringComparison.Ordinal);
        Assert.Throws<ModelFolderException>(() => ModelFolder.DeclaredBackend(folder));
    }

    [Fact]
    public void A_malformed_backend_names_the_file_and_the_field()
    {
        var folder = TeamFolder("""{ "kind": "tgi-ish", "url": "https://gpu01:8080" }""");

        Assert.Equal([$"codeassist.json in {folder}: backend kind \"tgi-ish\" is unknown; use openai (vLLM, TGI), llamacpp or ollama"],
            ModelFolder.Verify(folder, _temp.Path));
    }

    [Fact]
    public void A_folder_with_weights_may_name_its_server_too_and_still_loads_here()
    {
        var folder = TestModels.Scripted(_temp, "x");
        TestModels.EditJson(folder, ModelFolder.SettingsFile, json => json["backend"] = System.Text.Json.Nodes.JsonNode.Parse(
            """{ "kind": "ollama", "url": "http://gpu01:11434", "model": "qwen2.5-coder:7b-base", "fallback": "local" }"""));

        Assert.Empty(ModelFolder.Verify(folder, _temp.Path));
        Assert.Equal("ollama at http://gpu01:11434", ModelFolder.DeclaredBackend(folder)!.Describe());
        Assert.Equal("codeassist-scripted", ModelFolder.Open(folder, _temp.Path).Name);
    }

    [Fact]
    public void A_folder_with_neither_weights_nor_a_server_is_not_a_model_folder()
    {
        var folder = _temp.Combine("empty");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, ModelFolder.SettingsFile), """{ "name": "nothing", "backend": "local" }""");

        Assert.Null(ModelFolder.DeclaredBackend(folder));
        Assert.Contains(ModelFolder.Verify(folder, _temp.Path), p => p.StartsWith("genai_config.json is missing", StringComparison.Ordinal));
    }

    public void Dispose() => _temp.Dispose();
}
