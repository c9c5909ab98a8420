using System.Text.Json.Nodes;
using CodeAssist.Inference.Devices;
using CodeAssist.Inference.Generation;
using CodeAssist.Inference.Models;
using CodeAssist.Inference.Prompts;
using CodeAssist.ModelFactory;

namespace CodeAssist.Inference.Tests;

/// <summary>
/// One broken folder per test, checked three ways — <see cref="ModelFolder.Verify(string)"/>,
/// <see cref="ModelFolder.Open(string, SpeculationSettings?)"/> and
/// <see cref="LanguageModel.Load(string, DevicePreference, Action{string}, SpeculationSettings)"/> — which must agree on
/// the problems and say what failed, where, and what to do.
/// </summary>
public sealed class ModelFolderValidationTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    /// <summary>Writes a scripted model, breaks it, and expects every fragment in one of the reported problems.</summary>
    private void Check(Action<string> breakFolder, params string[] expected)
    {
        var folder = TestModels.Scripted(_directory, "x");
        breakFolder(folder);

        var problems = ModelFolder.Verify(folder);

        Assert.NotEmpty(problems);
        foreach (var fragment in expected)
            Assert.Contains(problems, problem => problem.Contains(fragment.Replace("DIR", folder), StringComparison.Ordinal));
        var open = Assert.Throws<ModelFolderException>(() => ModelFolder.Open(folder));
        Assert.Equal(problems, open.Problems);
        Assert.Equal(folder, open.FolderPath);
        var load = Assert.Throws<ModelFolderException>(() => LanguageModel.Load(folder, DevicePreference.Cpu));
        Assert.Equal(problems, load.Problems);
        Assert.StartsWith($"cannot use the model in {folder}: ", load.Message);
    }

    [Fact]
    public void HealthyFolderHasNoProblems()
    {
        var folder = TestModels.Scripted(_directory, "x");

        Assert.Empty(ModelFolder.Verify(folder));
        var opened = ModelFolder.Open(folder);
        Assert.Equal("llama", opened.ModelType);
        Assert.Equal("model.onnx", opened.DecoderFile);
        Assert.Equal("codeassist-scripted", opened.Name);
        Assert.Equal((FimFormat.Qwen.Id, ChatFormat.CodeAssist.Id), (opened.Format.Fim?.Id, opened.Format.Chat.Id));
    }

    [Fact]
    public void MissingFolder() => Check(folder => Directory.Delete(folder, recursive: true),
        "model folder DIR does not exist", "run `codeassist model list`");

    [Fact]
    public void FileInsteadOfFolder() => Check(folder =>
    {
        Directory.Delete(folder, recursive: true);
        File.WriteAllText(folder, "not a folder");
    }, "DIR is a file, not a model folder");

    [Fact]
    public void MissingGenAiConfig() => Check(folder => File.Delete(Path.Combine(folder, "genai_config.json")),
        "genai_config.json is missing in DIR", "convert the model with onnxruntime-genai's model builder");

    [Fact]
    public void GenAiConfigThatIsNotJsonNamesTheLine() => Check(
        folder => File.WriteAllText(Path.Combine(folder, "genai_config.json"), "{\n  \"model\": {\n    \"type\": \"llama\",,\n  }\n}\n"),
        "genai_config.json in DIR is not valid JSON (line 3); copy the model folder again");

    [Fact]
    public void GenAiConfigWithoutModelSection() => Check(
        folder => File.WriteAllText(Path.Combine(folder, "genai_config.json"), """{ "search": { "max_length": 10 } }"""),
        "genai_config.json in DIR has no \"model\" section");

    [Fact]
    public void UnknownModelType() => Check(
        folder => TestModels.EditJson(folder, "genai_config.json", json => json["model"]!["type"] = "whisper"),
        "model type \"whisper\" in genai_config.json in DIR is not a text decoder CodeAssist runs", "supported: chatglm, decoder,", "see models/README.md");

    [Fact]
    public void MissingDecoderFile() => Check(folder => File.Delete(Path.Combine(folder, "model.onnx")),
        "the decoder model.onnx named in genai_config.json is missing in DIR; copy the model folder again");

    [Fact]
    public void MissingTokenizerJson() => Check(folder => File.Delete(Path.Combine(folder, "tokenizer.json")),
        "tokenizer.json is missing in DIR; GenAI needs the tokenizer files beside the model");

    [Fact]
    public void MissingTokenizerConfigJson() => Check(folder => File.Delete(Path.Combine(folder, "tokenizer_config.json")),
        "tokenizer_config.json is missing in DIR");

    [Fact]
    public void TokenizerJsonThatIsNotJson() => Check(folder => File.WriteAllText(Path.Combine(folder, "tokenizer.json"), "{\n\"version\": \n"),
        "tokenizer.json in DIR is not valid JSON (line 3)");

    [Fact]
    public void EveryProblemIsListedNotOnlyTheFirst() => Check(folder =>
    {
        File.Delete(Path.Combine(folder, "tokenizer.json"));
        File.Delete(Path.Combine(folder, "tokenizer_config.json"));
        TestModels.EditJson(folder, "genai_config.json", json => json["model"]!["type"] = "bert");
    }, "tokenizer.json is missing", "tokenizer_config.json is missing", "model type \"bert\"");

    [Fact]
    public void GarbageModelFile() => Check(
        folder => File.WriteAllText(Path.Combine(folder, "model.onnx"), "this is not an onnx model, just some text that was saved under its name"),
        "the decoder model.onnx in DIR is not an ONNX model (it is damaged, truncated or a file of another kind); copy the model folder again");

    [Fact]
    public void RandomBytesModelFile() => Check(folder =>
    {
        var bytes = new byte[4096];
        new Random(1).NextBytes(bytes);
        File.WriteAllBytes(Path.Combine(folder, "model.onnx"), bytes);
    }, "the decoder model.onnx in DIR is not an ONNX model");

    [Fact]
    public void TruncatedModelFile() => Check(folder =>
    {
        var path = Path.Combine(folder, "model.onnx");
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
    }, "the decoder model.onnx in DIR is not an ONNX model");

    [Fact]
    public void EmptyModelFile() => Check(folder => File.WriteAllBytes(Path.Combine(folder, "model.onnx"), []),
        "the decoder model.onnx in DIR is empty");

    [Fact]
    public void GitLfsPointerInsteadOfTheModel() => Check(
        folder => File.WriteAllText(Path.Combine(folder, "model.onnx"), "version https://git-lfs.github.com/spec/v1\noid sha256:4d7a2146\nsize 1054331904\n"),
        "is a Git LFS pointer, not the model itself (run `git lfs pull`");

    [Fact]
    public void CodeAssistJsonThatIsNotJson() => Check(
        folder => File.WriteAllText(Path.Combine(folder, "codeassist.json"), "{\n  \"name\": \"x\"\n  \"promptFormat\": \"qwen\"\n}"),
        "codeassist.json in DIR is not valid (line 3", "fix it or delete it: the file is optional");

    [Fact]
    public void LanguagesSayWhichDocumentsTheModelIsOffered()
    {
        var folder = TestModels.Scripted(_directory, "x");
        Assert.True(ModelFolder.Open(folder).Languages.IsAll);
        Assert.True(ModelFolder.Open(folder).Languages.Includes("python"));

        TestModels.EditJson(folder, "codeassist.json", json => json["languages"] = new System.Text.Json.Nodes.JsonArray("csharp", "FSharp"));
        var languages = ModelFolder.Open(folder).Languages;

        Assert.False(languages.IsAll);
        Assert.True(languages.Includes("csharp"));
        Assert.True(languages.Includes("fsharp"));
        Assert.False(languages.Includes("python"));
        Assert.Equal("FSharp, csharp only", languages.Describe());
    }

    [Fact]
    public void EmptyLanguages() => Check(
        folder => TestModels.EditJson(folder, "codeassist.json", json => json["languages"] = new JsonArray()),
        "codeassist.json in DIR: languages is empty; leave it out for a model that knows every language");

    [Fact]
    public void LanguageThatIsNotAnId() => Check(
        folder => TestModels.EditJson(folder, "codeassist.json", json => json["languages"] = new JsonArray("c sharp")),
        "codeassist.json in DIR: languages holds \"c sharp\", which is not an LSP language id");

    [Fact]
    public void CursorContextThatIsNeitherPlace() => Check(
        folder => TestModels.EditJson(folder, "codeassist.json", json => json["cursorContext"] = "afterFile"),
        "codeassist.json in DIR: cursorContext \"afterFile\" is not one of aboveCursorLine, beforeFile");

    [Fact]
    public void RefactoringPromptThatIsNeitherShape() => Check(
        folder => TestModels.EditJson(folder, "codeassist.json", json => json["refactoringPrompt"] = "short"),
        "codeassist.json in DIR: refactoringPrompt \"short\" is not one of full, codeOnly");

    [Fact]
    public void CodeAssistJsonWithAValueOfTheWrongType() => Check(folder => File.WriteAllText(Path.Combine(folder, "codeassist.json"), "{ \"name\": 3 }"),
        "codeassist.json in DIR is not valid (line 1, field name: the value must be a string)");

    [Fact]
    public void CodeAssistJsonWithUnknownPromptFormat() => Check(
        folder => TestModels.EditJson(folder, "codeassist.json", json => json["promptFormat"] = "qwen3"),
        "codeassist.json in DIR: promptFormat \"qwen3\" is unknown (known: qwen, deepseek, codellama, starcoder, codeassist, none)");

    [Fact]
    public void CodeAssistJsonWithUnknownChatFormat() => Check(
        folder => TestModels.EditJson(folder, "codeassist.json", json => json["chatFormat"] = "vicuna"),
        "codeassist.json in DIR: chatFormat \"vicuna\" is unknown (known: chatml, phi3, llama3, codeassist)");

    [Fact]
    public void CodeAssistJsonAsksForFimTheTokenizerCannotSpell() => Check(TestModels.RemoveFimTokens,
        "codeassist.json in DIR: promptFormat \"qwen\" needs the FIM tokens <|fim_prefix|> <|fim_suffix|> <|fim_middle|> " +
        "but the tokenizer lacks <|fim_prefix|> <|fim_suffix|> <|fim_middle|>",
        "to \"none\" for instruction prompts");

    [Fact]
    public void CodeAssistJsonAsksForAFimFormatOfAnotherFamily() => Check(
        folder => TestModels.EditJson(folder, "codeassist.json", json => json["promptFormat"] = "deepseek"),
        "promptFormat \"deepseek\" needs the FIM tokens <｜fim▁begin｜> <｜fim▁hole｜> <｜fim▁end｜>");

    [Fact]
    public void CodeAssistJsonAsksForAChatTemplateTheTokenizerCannotSpell() => Check(
        folder => TestModels.EditJson(folder, "codeassist.json", json => json["chatFormat"] = "llama3"),
        "chatFormat \"llama3\" needs the tokens <|begin_of_text|> <|start_header_id|> <|end_header_id|> <|eot_id|> but the tokenizer lacks");

    [Fact]
    public void ModelThatPassesTheFileCheckButNotOnnxRuntimeFailsToLoadWithASentence()
    {
        var folder = TestModels.Scripted(_directory, "x");
        // A well-formed protobuf whose graph field holds bytes that are not a graph.
        File.WriteAllBytes(Path.Combine(folder, "model.onnx"), [0x08, 0x08, 0x3A, 0x04, 0xFF, 0xFF, 0xFF, 0xFF]);
        Assert.Empty(ModelFolder.Verify(folder));

        var load = Assert.Throws<ModelFolderException>(() => LanguageModel.Load(folder, DevicePreference.Cpu));

        var problem = Assert.Single(load.Problems);
        Assert.StartsWith($"ONNX Runtime could not load model.onnx in {folder} (", problem);
        Assert.EndsWith("the model files are damaged or do not match genai_config.json: copy the model folder again or convert the model again", problem);
    }

    [Fact]
    public async Task TokenizerWithoutFimTokensGetsInstructionPrompts()
    {
        const string script = "Console.WriteLine(\"hi\");";
        var folder = TestModels.Scripted(_directory, script);
        TestModels.RemoveFimTokens(folder);
        TestModels.EditJson(folder, "codeassist.json", json => json.Remove("promptFormat"));

        using var model = TestModels.LoadOnCpu(folder);
        var prompt = model.Format.BuildCompletion(new FimRequest("static void Main() { ", " }") { FilePath = "src/Program.cs" });
        var result = await model.GenerateAsync(new GenerationRequest(prompt, 64), CancellationToken.None);

        Assert.Null(model.Format.Fim);
        Assert.Equal(ChatFormat.CodeAssist, model.Format.Chat);
        Assert.Equal(
            "<|user|>\n" + PromptFormat.CompletionInstruction + "\n\nComplete src/Program.cs:\nstatic void Main() { <CURSOR> }<|end|>\n<|assistant|>",
            prompt);
        Assert.Equal(script, result.Text);
    }

    [Fact]
    public void PromptFormatNoneChoosesInstructionPromptsForAFimModel()
    {
        var folder = TestModels.Scripted(_directory, "x");
        TestModels.EditJson(folder, "codeassist.json", json => json["promptFormat"] = "none");

        Assert.Null(ModelFolder.Open(folder).Format.Fim);
    }

    [Fact]
    public void FormatIsDetectedFromTheTokenizerWithoutCodeAssistJson()
    {
        var folder = TestModels.Scripted(_directory, "x");
        File.Delete(Path.Combine(folder, "codeassist.json"));

        var opened = ModelFolder.Open(folder);

        // Our tokenizer has Qwen's FIM tokens and Phi-3's chat markers; without codeassist.json it is read as such.
        Assert.Equal((FimFormat.Qwen.Id, ChatFormat.Phi3.Id), (opened.Format.Fim?.Id, opened.Format.Chat.Id));
        Assert.Equal("scripted", opened.Name);
    }

    [Fact]
    public void SpecialTokenIdsComeFromTokenizerJson()
    {
        var folder = TestModels.Scripted(_directory, "x");

        var opened = ModelFolder.Open(folder);

        Assert.Equal(ByteLevelBpeTokenizer.Default.TokenId(ByteLevelBpeTokenizer.FimMiddle), opened.SpecialTokenIds["<|fim_middle|>"]);
        Assert.Equal(ByteLevelBpeTokenizer.Default.TokenId(ByteLevelBpeTokenizer.EndOfText), opened.BeginTokenId);
    }

    [Fact]
    public void MissingContextLength() => Check(
        folder => TestModels.EditJson(folder, "genai_config.json", json => json["model"]!.AsObject().Remove("context_length")),
        "genai_config.json in DIR has no positive model.context_length");

    [Fact]
    public void MissingDecoderFileName() => Check(
        folder => TestModels.EditJson(folder, "genai_config.json", json => json["model"]!["decoder"]!.AsObject().Remove("filename")),
        "genai_config.json in DIR names no model.decoder.filename");

    [Fact]
    public void GenAiConfigThatIsAnArray() => Check(folder => File.WriteAllText(Path.Combine(folder, "genai_config.json"), "[1, 2]"),
        "genai_config.json in DIR is not a JSON object");

    [Fact]
    public void ModelObjectMustBeAnObject() => Check(
        folder => TestModels.EditJson(folder, "genai_config.json", json => json["model"] = JsonValue.Create("llama")),
        "genai_config.json in DIR has no \"model\" section");
}
