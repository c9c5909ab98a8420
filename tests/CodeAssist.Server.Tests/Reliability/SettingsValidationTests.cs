using System.Text.Json;
using CodeAssist.Engine;

namespace CodeAssist.Server.Tests.Reliability;

/// <summary>
/// Paths from settings come from the client, so from whatever configured it: a model path must be an absolute folder
/// on this machine. Relative paths (relative to what?) and URLs (models are never downloaded) are refused with a
/// warning that says why, and the previous value stays.
/// </summary>
public sealed class SettingsValidationTests
{
    private static readonly AssistSettings Current = new() { ModelPath = "/opt/models/current" };

    private static (AssistSettings Settings, List<string> Warnings) Apply(string json)
    {
        var warnings = new List<string>();
        var settings = SettingsReader.Apply(Current, JsonDocument.Parse(json).RootElement, warnings.Add);
        return (settings, warnings);
    }

    [Theory]
    [InlineData("models/tiny", "not an absolute path")]
    [InlineData("./tiny", "not an absolute path")]
    [InlineData("../../etc", "not an absolute path")]
    [InlineData("C:\\models\\tiny", "not an absolute path")]
    [InlineData("\\\\server\\share\\model", "not an absolute path")]
    [InlineData("https://example.com/model.onnx", "never downloaded")]
    [InlineData("http://127.0.0.1:8080/model", "never downloaded")]
    [InlineData("file:///opt/models/tiny", "never downloaded")]
    [InlineData("hf://org/model", "never downloaded")]
    public void A_model_path_that_is_not_an_absolute_folder_is_refused_and_the_previous_one_stays(string path, string reason)
    {
        var (settings, warnings) = Apply(JsonSerializer.Serialize(new { codeassist = new { modelPath = path } }));

        Assert.Equal(Current.ModelPath, settings.ModelPath);
        var warning = Assert.Single(warnings);
        Assert.Contains("codeassist.modelPath", warning, StringComparison.Ordinal);
        Assert.Contains(reason, warning, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/opt/models/tiny", "/opt/models/tiny")]
    [InlineData("/opt/models/../models/./tiny/", "/opt/models/tiny/")]
    [InlineData("", null)]
    public void An_absolute_path_is_normalised_and_an_empty_one_means_the_default(string path, string? expected)
    {
        var (settings, warnings) = Apply(JsonSerializer.Serialize(new { codeassist = new { modelPath = path } }));

        Assert.Equal(expected, settings.ModelPath);
        Assert.Empty(warnings);
    }

    [Fact]
    public void A_home_relative_path_is_the_users_home()
    {
        var (settings, _) = Apply("""{ "codeassist": { "modelPath": "~/models/tiny" } }""");

        Assert.Equal(Path.Join(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), "models/tiny"), settings.ModelPath);
    }

    [Theory]
    [InlineData("""{ "codeassist": { "modelPath": 5 } }""", "modelPath")]
    [InlineData("""{ "codeassist": { "device": "tpu" } }""", "device")]
    [InlineData("""{ "codeassist": { "maxTokens": "many" } }""", "maxTokens")]
    [InlineData("""{ "codeassist": { "enable": "yes" } }""", "enable")]
    public void A_setting_of_the_wrong_type_or_value_is_ignored_with_a_warning_and_the_others_still_apply(string json, string name)
    {
        var withOthers = json.Replace("{ \"codeassist\": {", "{ \"codeassist\": { \"candidates\": 2,", StringComparison.Ordinal);

        var (settings, warnings) = Apply(withOthers);

        Assert.Equal(2, settings.Candidates);
        Assert.Equal(Current with { Candidates = 2 }, settings);
        Assert.Contains($"codeassist.{name}", Assert.Single(warnings), StringComparison.Ordinal);
    }

    [Fact]
    public void Numbers_are_clamped_to_what_the_server_can_do()
    {
        var (settings, warnings) = Apply("""{ "codeassist": { "maxTokens": 1000000, "candidates": -3, "contextBudget": 1, "generationDeadlineMs": 5 } }""");

        Assert.Empty(warnings);
        Assert.Equal(1024, settings.MaxTokens);
        Assert.Equal(1, settings.Candidates);
        Assert.Equal(64, settings.ContextBudget);
        Assert.Equal(TimeSpan.FromMilliseconds(100), settings.GenerationDeadline);
    }
}
