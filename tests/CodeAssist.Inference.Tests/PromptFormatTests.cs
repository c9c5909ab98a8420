using CodeAssist.Inference.Prompts;

namespace CodeAssist.Inference.Tests;

/// <summary>
/// The exact prompt strings of every family, as their own documentation spells them (Qwen2.5-Coder README and
/// technical report, DeepSeek-Coder README, Meta's Code Llama infilling format, the StarCoder2 paper), detection
/// from the tokenizer's special tokens and codeassist.json, and the stop tokens per family.
/// </summary>
public sealed class PromptFormatTests
{
    private static readonly FimRequest Plain = new("P", "S");

    private static readonly FimRequest Repository = new("    var total = ", ";\n}\n")
    {
        RepositoryName = "shop",
        FilePath = "src/Order.cs",
        ContextFiles = [new("src/Customer.cs", "class Customer { }"), new("src/Money.cs", "record Money(decimal Amount);")],
    };

    private static void Check(FimFormat format, FimRequest request, string expected) => Assert.Equal(expected, format.Build(request));

    [Fact]
    public void QwenPlainFim() => Check(FimFormat.Qwen, Plain, "<|fim_prefix|>P<|fim_suffix|>S<|fim_middle|>");

    [Fact]
    public void QwenRepositoryLevelFim() => Check(FimFormat.Qwen, Repository, """
        <|repo_name|>shop
        <|file_sep|>src/Customer.cs
        class Customer { }
        <|file_sep|>src/Money.cs
        record Money(decimal Amount);
        <|file_sep|>src/Order.cs
        <|fim_prefix|>    var total = <|fim_suffix|>;
        }
        <|fim_middle|>
        """);

    [Fact]
    public void QwenWithOnlyTheFilePathNamesTheFile() => Check(FimFormat.Qwen, Plain with { FilePath = "a/B.cs" },
        "<|file_sep|>a/B.cs\n<|fim_prefix|>P<|fim_suffix|>S<|fim_middle|>");

    [Fact]
    public void CodeAssistPutsTheSuffixFirstSoTheMiddleContinuesThePrefix() =>
        Check(FimFormat.CodeAssist, Plain, "<|fim_prefix|><|fim_suffix|>S<|fim_middle|>P");

    [Fact]
    public void CodeAssistRepositoryLevelFimEndsWithThePrefix() => Check(FimFormat.CodeAssist, Repository, """
        <|repo_name|>shop
        <|file_sep|>src/Customer.cs
        class Customer { }
        <|file_sep|>src/Money.cs
        record Money(decimal Amount);
        <|file_sep|>src/Order.cs
        <|fim_prefix|><|fim_suffix|>;
        }
        <|fim_middle|>    var total = 
        """);

    [Fact]
    public void CodeAssistIsChosenByNameOnlyBecauseItsMarkersAreQwens()
    {
        var tokens = FimFormat.Qwen.RequiredTokens.Append("<|file_sep|>").Append("<|repo_name|>").ToHashSet();
        Assert.Equal("qwen", PromptFormat.Choose(tokens).Fim!.Id);
        Assert.Equal(FimOrder.SuffixPrefixMiddle, PromptFormat.Choose(tokens, fimId: "codeassist").Fim!.Order);
    }

    [Fact]
    public void DeepSeekPlainFim() => Check(FimFormat.DeepSeek, Plain, "<｜fim▁begin｜>P<｜fim▁hole｜>S<｜fim▁end｜>");

    [Fact]
    public void DeepSeekMarkersUseFullWidthBarsAndLowerBlocks()
    {
        Assert.Equal("<\uFF5Cfim\u2581begin\uFF5C>", FimFormat.DeepSeek.PrefixToken);
        Assert.Equal("<\uFF5Cfim\u2581hole\uFF5C>", FimFormat.DeepSeek.SuffixToken);
        Assert.Equal("<\uFF5Cfim\u2581end\uFF5C>", FimFormat.DeepSeek.MiddleToken);
        Assert.Contains("<\uFF5Cend\u2581of\u2581sentence\uFF5C>", FimFormat.DeepSeek.StopTokens);
    }

    [Fact]
    public void DeepSeekGetsOtherFilesAsComments() => Check(
        FimFormat.DeepSeek, Repository with { ContextFiles = [new("src/Money.cs", "record Money;\nrecord Cent;")] }, """
        <｜fim▁begin｜>// Context from src/Money.cs:
        // record Money;
        // record Cent;
            var total = <｜fim▁hole｜>;
        }
        <｜fim▁end｜>
        """);

    [Fact]
    public void CodeLlamaInfilling() => Check(FimFormat.CodeLlama, Plain, "<PRE> P <SUF>S <MID>");

    [Fact]
    public void StarCoderPlainFim() => Check(FimFormat.StarCoder, Plain, "<fim_prefix>P<fim_suffix>S<fim_middle>");

    [Fact]
    public void StarCoder2RepositoryContext() => Check(FimFormat.StarCoder, Repository,
        "<repo_name>shop<file_sep>src/Customer.cs\nclass Customer { }<file_sep>src/Money.cs\nrecord Money(decimal Amount);" +
        "<file_sep><fim_prefix>src/Order.cs\n    var total = <fim_suffix>;\n}\n<fim_middle>");

    [Fact]
    public void StarCoder1WithoutFileSeparatorGetsComments()
    {
        var format = PromptFormat.Choose(
            new HashSet<string> { "<|endoftext|>", "<fim_prefix>", "<fim_middle>", "<fim_suffix>", "<fim_pad>", "<filename>", "<reponame>" });

        Check(format.Fim!, Repository with { ContextFiles = [new("src/Money.cs", "record Money;")] },
            "<fim_prefix>// Context from src/Money.cs:\n// record Money;\n    var total = <fim_suffix>;\n}\n<fim_middle>");
    }

    [Fact]
    public void ChatMl() => Assert.Equal(
        "<|im_start|>system\nSYS<|im_end|>\n<|im_start|>user\nUSER<|im_end|>\n<|im_start|>assistant\n", ChatFormat.ChatMl.Build("SYS", "USER"));

    [Fact]
    public void Phi3() => Assert.Equal(
        "<|system|>\nSYS<|end|>\n<|user|>\nUSER<|end|>\n<|assistant|>\n", ChatFormat.Phi3.Build("SYS", "USER"));

    [Fact]
    public void Llama3() => Assert.Equal(
        "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nSYS<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nUSER<|eot_id|>" +
        "<|start_header_id|>assistant<|end_header_id|>\n\n", ChatFormat.Llama3.Build("SYS", "USER"));

    [Fact]
    public void CodeAssistTemplateHasNoSystemTurnAndEndsOnTheAssistantToken() => Assert.Equal(
        "<|user|>\nSYS\n\nUSER<|end|>\n<|assistant|>", ChatFormat.CodeAssist.Build("SYS", "USER"));

    [Fact]
    public void An_empty_system_text_is_left_out_of_the_prompt() => Assert.Equal(
        "<|user|>\nUSER<|end|>\n<|assistant|>", ChatFormat.CodeAssist.Build("", "USER"));

    /// <summary>Qwen2.5-Coder base's special tokens.</summary>
    private static readonly string[] QwenCoderTokens =
        ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>", "<|fim_pad|>", "<|repo_name|>", "<|file_sep|>"];

    public static TheoryData<string, string[], string?, string> Families => new()
    {
        { "Qwen2.5-Coder base", QwenCoderTokens, "qwen", "chatml" },
        {
            "DeepSeek-Coder base", ["<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>", "<｜fim▁hole｜>", "<｜fim▁begin｜>", "<｜fim▁end｜>", "<|EOT|>"],
            "deepseek", "chatml"
        },
        { "Code Llama (markers in the vocabulary)", ["<unk>", "<s>", "</s>", "▁<PRE>", "▁<MID>", "▁<SUF>", "▁<EOT>"], "codellama", "chatml" },
        { "StarCoder2", ["<|endoftext|>", "<fim_prefix>", "<fim_middle>", "<fim_suffix>", "<fim_pad>", "<repo_name>", "<file_sep>"], "starcoder", "chatml" },
        { "Phi-3.5-mini-instruct", ["<|endoftext|>", "<|assistant|>", "<|end|>", "<|user|>", "<|system|>", "<s>", "</s>"], null, "phi3" },
        {
            "Llama 3.2 instruct", ["<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>", "<|eom_id|>"],
            null, "llama3"
        },
        { "a base model without markers", ["<s>", "</s>"], null, "chatml" },
    };

    [Theory]
    [MemberData(nameof(Families))]
    public void DetectionFromSpecialTokens(string family, string[] tokens, string? fim, string chat)
    {
        var format = PromptFormat.Choose(tokens.ToHashSet());

        Assert.True((fim, chat) == (format.Fim?.Id, format.Chat.Id), $"{family}: got FIM {format.Fim?.Id ?? "none"}, chat {format.Chat.Id}");
    }

    [Fact]
    public void StarCoder2KeepsItsRepositoryLayoutAndStarCoder1LosesIt()
    {
        Assert.True(PromptFormat.Choose(new HashSet<string> { "<fim_prefix>", "<fim_middle>", "<fim_suffix>", "<repo_name>", "<file_sep>" })
            .Fim!.HasRepositoryPrompt);
        Assert.False(PromptFormat.Choose(new HashSet<string> { "<fim_prefix>", "<fim_middle>", "<fim_suffix>", "<reponame>" }).Fim!.HasRepositoryPrompt);
    }

    [Fact]
    public void CodeAssistJsonOverridesDetection()
    {
        var tokens = new HashSet<string>
        {
            "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>", "<|user|>", "<|assistant|>", "<|end|>", "<|im_start|>", "<|im_end|>",
        };

        Assert.Equal(("qwen", "chatml"), (PromptFormat.Choose(tokens).Fim?.Id, PromptFormat.Choose(tokens).Chat.Id));
        Assert.Equal("codeassist", PromptFormat.Choose(tokens, chatId: "codeassist").Chat.Id);
        Assert.Null(PromptFormat.Choose(tokens, fimId: "none").Fim);
    }

    [Fact]
    public void RequestedFormatsTheTokenizerLacksAreRejectedWithEveryReason()
    {
        var error = Assert.Throws<ArgumentException>(() => PromptFormat.Choose(new HashSet<string> { "<s>" }, "codellama", "phi3"));

        Assert.Contains("promptFormat \"codellama\" needs the FIM tokens <PRE> <SUF> <MID> but the tokenizer lacks <PRE> <SUF> <MID>", error.Message);
        Assert.Contains("chatFormat \"phi3\" needs the tokens <|user|> <|assistant|> <|end|>", error.Message);
    }

    public static TheoryData<string, string[], string[]> StopTokensPerFamily => new()
    {
        { "qwen", QwenCoderTokens, ["<|endoftext|>", "<|fim_pad|>", "<|file_sep|>", "<|im_end|>"] },
        { "deepseek", ["<｜fim▁hole｜>", "<｜fim▁begin｜>", "<｜fim▁end｜>"], ["<｜end▁of▁sentence｜>", "<|EOT|>"] },
        { "codellama", ["▁<PRE>", "▁<MID>", "▁<SUF>", "▁<EOT>"], ["<EOT>", "</s>"] },
        { "starcoder", ["<fim_prefix>", "<fim_middle>", "<fim_suffix>", "<file_sep>"], ["<|endoftext|>", "<file_sep>"] },
        { "phi3", ["<|assistant|>", "<|end|>", "<|user|>"], ["<|end|>", "<|endoftext|>"] },
        { "llama3", ["<|begin_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"], ["<|eot_id|>", "<|eom_id|>", "<|end_of_text|>"] },
    };

    [Theory]
    [MemberData(nameof(StopTokensPerFamily))]
    public void StopTokens(string family, string[] tokens, string[] expected)
    {
        var stops = PromptFormat.Choose(tokens.ToHashSet()).StopTokens.ToList();

        foreach (var token in expected)
            Assert.True(stops.Contains(token), $"{family} should stop on {token}; stops on {string.Join(" ", stops)}");
    }

    [Fact]
    public void CompletionPromptIsFimWhenTheModelHasIt() => Assert.Equal(
        "<|fim_prefix|>P<|fim_suffix|>S<|fim_middle|>", new PromptFormat(FimFormat.Qwen, ChatFormat.ChatMl).BuildCompletion(Plain));

    [Fact]
    public void CompletionPromptForInstructionModelsCarriesTheSameContext() => Assert.Equal(
        "<|system|>\n" + PromptFormat.CompletionInstruction + "<|end|>\n<|user|>\n" +
        "Context from src/Customer.cs:\nclass Customer { }\n\nContext from src/Money.cs:\nrecord Money(decimal Amount);\n\n" +
        "Complete src/Order.cs:\n    var total = <CURSOR>;\n}\n<|end|>\n<|assistant|>\n",
        new PromptFormat(null, ChatFormat.Phi3).BuildCompletion(Repository));
}
