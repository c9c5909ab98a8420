using System.Text.Json;
using System.Text.Json.Nodes;
using CodeAssist.Inference.Devices;
using CodeAssist.Inference.Models;

namespace CodeAssist.Inference.Tests;

/// <summary>
/// Model folders whose genai_config.json asks ONNX Runtime to load a library or write files: refused, with the setting
/// and the reason, outside the models directory; inside it, loaded only as approved at `model add`, with the library's
/// SHA-256 unchanged. The loader
/// (<see cref="LanguageModel.Load(string, DevicePreference, Action{string}, SpeculationSettings)"/>) refuses before
/// GenAI sees the folder.
/// </summary>
public sealed class NativeCodeSettingsTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    /// <summary>A scripted model with <paramref name="sessionOptions"/> merged into model.decoder.session_options.</summary>
    private string ModelWith(string name, string sessionOptions, string? parent = null)
    {
        var folder = parent is null ? _directory.Combine(name) : Path.Combine(parent, name);
        CodeAssist.ModelFactory.ModelFolderWriter.WriteScripted(folder, "x");
        TestModels.EditJson(folder, ModelFolder.GenAiConfigFile, config =>
        {
            var decoder = config["model"]!["decoder"]!.AsObject();
            var options = decoder["session_options"] as JsonObject ?? [];
            foreach (var (key, value) in JsonNode.Parse(sessionOptions)!.AsObject())
                options[key] = value?.DeepClone();
            decoder["session_options"] = options;
        });
        return folder;
    }

    private static IReadOnlyList<NativeCodeSetting> Find(string folder)
    {
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, ModelFolder.GenAiConfigFile)));
        return NativeCodeSettings.Find(config.RootElement, folder);
    }

    [Fact]
    public void The_model_builders_own_session_options_are_not_flagged()
    {
        var folder = ModelWith("plain",
            """{ "log_id": "onnxruntime-genai", "intra_op_num_threads": 2, "provider_options": [ { "cuda": { "enable_cuda_graph": "0" } } ] }""");

        Assert.Empty(Find(folder));
        Assert.Empty(ModelFolder.Verify(folder, _directory.Combine("models")));
    }

    [Fact]
    public void Every_setting_that_loads_a_library_or_writes_files_is_found_wherever_it_sits()
    {
        var folder = ModelWith("hostile", """
            {
              "custom_ops_library": "libcustom_ops.so",
              "enable_profiling": "profile",
              "ep.context_enable": "1",
              "ep.context_file_path": "/tmp/ctx.onnx",
              "provider_options": [ { "qnn": { "backend_path": "libQnnHtp.so", "htp_performance_mode": "burst" } }, { "OpenVINO": { "cache_dir": "/tmp/ov" } } ]
            }
            """);
        TestModels.EditJson(folder, ModelFolder.GenAiConfigFile, config =>
            config["model"]!["vision"] = JsonNode.Parse("""{ "session_options": { "custom_ops_library": "/opt/elsewhere/libvision.so" } }"""));

        var found = Find(folder);

        (string, NativeCodeEffect, string?)[] expected =
            [
                ("model.decoder.session_options.custom_ops_library", NativeCodeEffect.LoadsLibrary, Path.Combine(folder, "libcustom_ops.so")),
                ("model.decoder.session_options.enable_profiling", NativeCodeEffect.WritesFiles, null),
                ("model.decoder.session_options.ep.context_enable", NativeCodeEffect.WritesFiles, null),
                ("model.decoder.session_options.ep.context_file_path", NativeCodeEffect.WritesFiles, null),
                ("model.decoder.session_options.provider_options[0].qnn.backend_path", NativeCodeEffect.LoadsLibrary, Path.Combine(folder, "libQnnHtp.so")),
                ("model.decoder.session_options.provider_options[1].OpenVINO.cache_dir", NativeCodeEffect.WritesFiles, null),
                ("model.vision.session_options.custom_ops_library", NativeCodeEffect.LoadsLibrary, "/opt/elsewhere/libvision.so"),
            ];
        Assert.Equal(expected.Order(), found.Select(s => (s.Setting, s.Effect, s.LibraryPath)).Order());
    }

    [Theory]
    [InlineData("libcustom_ops.so")]
    [InlineData("../outside/libcustom_ops.so")]
    public void Custom_ops_library_outside_the_models_directory_is_refused_by_verify_and_the_loader(string library)
    {
        var folder = ModelWith("custom-ops", $$"""{ "custom_ops_library": "{{library}}" }""");
        var file = Path.GetFullPath(Path.Combine(folder, library));
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllBytes(file, [0x7f, (byte)'E', (byte)'L', (byte)'F']);
        var modelsDirectory = _directory.Combine("models");

        var problems = ModelFolder.Verify(folder, modelsDirectory);

        var problem = Assert.Single(problems);
        Assert.Equal(
            $"genai_config.json in {folder} sets model.decoder.session_options.custom_ops_library = \"{library}\", which loads the native library " +
            $"{file} into CodeAssist (its code runs with your rights); that is refused for a model folder outside the models directory " +
            $"{modelsDirectory}: remove the setting, or install the folder with `codeassist model add {folder}`, " +
            "which shows the setting and asks you to confirm",
            problem);
        // The loader checks against the user's real models directory, which the test folder is outside of too.
        var load = Assert.Throws<ModelFolderException>(() => LanguageModel.Load(folder, DevicePreference.Cpu));
        Assert.Contains(load.Problems, p => p.Contains("custom_ops_library", StringComparison.Ordinal) && p.Contains("refused", StringComparison.Ordinal));
    }

    [Fact]
    public void Inside_the_models_directory_only_an_approved_library_with_the_approved_hash_is_accepted()
    {
        var modelsDirectory = _directory.Combine("models");
        var folder = ModelWith("custom-ops", """{ "custom_ops_library": "libcustom_ops.so" }""", parent: modelsDirectory);
        var library = Path.Combine(folder, "libcustom_ops.so");
        File.WriteAllBytes(library, [1, 2, 3]);
        const string setting = "model.decoder.session_options.custom_ops_library";

        Assert.Contains("it was not approved when the model was installed", Assert.Single(ModelFolder.Verify(folder, modelsDirectory)),
            StringComparison.Ordinal);

        var hash = NativeCodeApprovals.Sha256Of(library);
        Assert.Equal("039058c6f2c0cb492c533b0a4d14ef77cc0f78abccced5287d84a1a2011cfb81", hash);
        NativeCodeApprovals.Read(modelsDirectory).Record(modelsDirectory, "custom-ops", [new NativeCodeApproval(setting, "libcustom_ops.so", hash)]);
        Assert.Empty(ModelFolder.Verify(folder, modelsDirectory));

        File.WriteAllBytes(library, [1, 2, 3, 4]);
        var changed = Assert.Single(ModelFolder.Verify(folder, modelsDirectory));
        var now = NativeCodeApprovals.Sha256Of(library);
        Assert.Equal(
            $"the library {library} that {setting} loads has changed since it was approved (SHA-256 then {hash}, now {now}); " +
            "refused: if you expect the change, run `codeassist model add` on the model's source again to review it",
            changed);
    }

    [Fact]
    public void An_approval_does_not_carry_over_to_another_value_or_a_library_outside_the_folder()
    {
        var modelsDirectory = _directory.Combine("models");
        var outside = _directory.Combine("libelsewhere.so");
        File.WriteAllBytes(outside, [9]);
        var folder = ModelWith("custom-ops", $$"""{ "custom_ops_library": "{{outside}}" }""", parent: modelsDirectory);
        NativeCodeApprovals.Read(modelsDirectory).Record(modelsDirectory, "custom-ops",
            [new NativeCodeApproval("model.decoder.session_options.custom_ops_library", outside, NativeCodeApprovals.Sha256Of(outside))]);

        Assert.Contains("a native library outside the model folder", Assert.Single(ModelFolder.Verify(folder, modelsDirectory)), StringComparison.Ordinal);
    }

    [Fact]
    public void A_manifest_inside_the_model_folder_approves_nothing()
    {
        var modelsDirectory = _directory.Combine("models");
        var folder = ModelWith("custom-ops", """{ "custom_ops_library": "libcustom_ops.so" }""", parent: modelsDirectory);
        var library = Path.Combine(folder, "libcustom_ops.so");
        File.WriteAllBytes(library, [1]);
        // A folder that brings its own manifest (one level too deep) is not believed.
        NativeCodeApprovals.Read(folder).Record(folder, "custom-ops",
            [new NativeCodeApproval("model.decoder.session_options.custom_ops_library", "libcustom_ops.so", NativeCodeApprovals.Sha256Of(library))]);

        Assert.Contains("not approved", Assert.Single(ModelFolder.Verify(folder, modelsDirectory)), StringComparison.Ordinal);
    }
}
