using CodeAssist.Inference.Models;
using CodeAssist.Inference.Prompts;
using Microsoft.ML.OnnxRuntimeGenAI;

namespace CodeAssist.Inference.Tokenization;

/// <summary>
/// The model's own tokenizer (GenAI's, read from the model folder). Any thread may encode and decode: calls are
/// serialised by one lock, because context building counts tokens from many requests at once and GenAI's tokenizer
/// is not documented as free-threaded. Streams for decoding a reply token by token belong to the generation thread.
/// </summary>
internal sealed class ModelTokenizer
{
    private readonly Tokenizer _tokenizer;
    private readonly ModelFolder _folder;
    private readonly Lock _gate = new();
    private bool _closed;
    private bool? _addsBeginToken;

    public ModelTokenizer(Tokenizer tokenizer, ModelFolder folder)
    {
        _tokenizer = tokenizer;
        _folder = folder;
    }

    public int CountTokens(string text)
    {
        if (text.Length == 0)
            return 0;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            using var sequences = _tokenizer.Encode(WithoutNul(text));
            return sequences[0].Length;
        }
    }

    public int[] Encode(string text)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            using var sequences = _tokenizer.Encode(WithoutNul(text));
            return sequences[0].ToArray();
        }
    }

    public string Decode(ReadOnlySpan<int> tokens)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            return _tokenizer.Decode(tokens);
        }
    }

    /// <summary>
    /// Tokenizes text that continues a sequence (a healed word forced into a reply), without the begin-of-text id a
    /// tokenizer whose tokenizer_config.json sets add_bos_token (DeepSeek-Coder's) puts before every encoding: in the
    /// middle of a reply that id would start a new document.
    /// </summary>
    public int[] EncodeContinuation(string text)
    {
        var tokens = Encode(text);
        return AddsBeginToken() && tokens.Length > 0 && tokens[0] == _folder.BeginTokenId ? tokens[1..] : tokens;
    }

    /// <summary>Whether encoding adds the begin-of-text id by itself, found once by encoding a single letter.</summary>
    private bool AddsBeginToken()
    {
        if (_addsBeginToken is { } known)
            return known;
        var probe = _folder.BeginTokenId is null ? [] : Encode("a");
        _addsBeginToken = probe.Length >= 2 && probe[0] == _folder.BeginTokenId;
        return _addsBeginToken.Value;
    }

    /// <summary>
    /// Tokenizes a prompt; a template's begin-of-text marker and the tokenizer's own are not both kept, and a model whose
    /// tokenizer_config.json asks for add_bos_token gets its begin-of-text id first even where GenAI's tokenizer does not
    /// add it (DeepSeek-Coder, trained with &lt;｜begin▁of▁sentence｜&gt; before each FIM prompt).
    /// </summary>
    public int[] EncodePrompt(string prompt)
    {
        var tokens = Encode(prompt);
        if (_folder.BeginTokenId is not { } begin)
            return tokens;
        if (tokens.Length >= 2 && tokens[0] == begin && tokens[1] == begin)
            return tokens[1..];
        if (_folder.AddsBeginToken && (tokens.Length == 0 || tokens[0] != begin))
            return [begin, .. tokens];
        return tokens;
    }

    /// <summary>A decoder that turns one token at a time into whole characters; for the generation thread only.</summary>
    public TokenizerStream CreateStream() => _tokenizer.CreateStream();

    /// <summary>
    /// The format's stop tokens as ids, and those the vocabulary lacks as texts: such a token can still appear spelled
    /// out in characters, and then it ends the reply as text.
    /// </summary>
    public (IReadOnlySet<int> Ids, IReadOnlyList<string> Texts) StopTokens(IEnumerable<string> stopTokens)
    {
        var ids = new HashSet<int>();
        var texts = new List<string>();
        foreach (var token in stopTokens)
        {
            if (StopTokenId(token) is { } id)
                ids.Add(id);
            else
                texts.Add(token);
        }
        return (ids, texts);
    }

    /// <summary>
    /// The id of a stop token: from tokenizer.json (Code Llama's markers are spelled with a leading ▁ there), else
    /// what the tokenizer makes of it when that is a single token.
    /// </summary>
    private int? StopTokenId(string token)
    {
        if (_folder.SpecialTokenIds.TryGetValue(token, out var id) || _folder.SpecialTokenIds.TryGetValue(FimFormat.SentencePieceSpace + token, out id))
            return id;
        var ids = Encode(token);
        return ids.Length == 1 ? ids[0] : null;
    }

    /// <summary>
    /// Refuses further calls; false when already closed. The native tokenizer stays until <see cref="Release"/>,
    /// which runs once the generation thread has stopped using its streams.
    /// </summary>
    public bool Close()
    {
        lock (_gate)
        {
            if (_closed)
                return false;
            _closed = true;
            return true;
        }
    }

    public void Release() => _tokenizer.Dispose();

    /// <summary>
    /// GenAI's tokenizer takes a NUL-terminated C string: a NUL in a document would silently cut the prompt there,
    /// losing the FIM suffix and middle markers. It becomes U+FFFD, the character for "could not be represented".
    /// </summary>
    private static string WithoutNul(string text) => text.Contains('\0', StringComparison.Ordinal) ? text.Replace('\0', '\uFFFD') : text;
}
