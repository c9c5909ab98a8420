namespace CodeAssist.Inference.Models;

/// <summary>
/// The languages a model completes, as LSP language ids (codeassist.json <c>languages</c>): a model trained on C# only
/// says <c>["csharp"]</c>, and the server offers it nothing else, since in a Python file it would answer C#. Real code
/// models know many languages and leave the field out: <see cref="All"/>.
/// </summary>
public sealed class ModelLanguages
{
    private readonly HashSet<string>? _ids;

    private ModelLanguages(IEnumerable<string>? ids) =>
        _ids = ids is null ? null : new HashSet<string>(ids, StringComparer.OrdinalIgnoreCase);

    public static ModelLanguages All { get; } = new(null);

    /// <summary>The languages codeassist.json names; <see cref="All"/> when it names none.</summary>
    public static ModelLanguages Of(IReadOnlyList<string>? ids) => ids is null ? All : new(ids);

    public bool IsAll => _ids is null;

    /// <summary>The language ids, sorted; empty for <see cref="All"/>.</summary>
    public IReadOnlyList<string> Ids => _ids is null ? [] : [.. _ids.Order(StringComparer.Ordinal)];

    public bool Includes(string languageId) => _ids is null || _ids.Contains(languageId);

    /// <summary>"all languages" or "csharp only" / "csharp, fsharp only", for doctor and logs.</summary>
    public string Describe() => _ids is null ? "all languages" : string.Join(", ", Ids) + " only";

    /// <summary>Doctor's "languages" line, said only when it narrows what the model is offered (most code models complete every language).</summary>
    public string? DoctorLine => _ids is null ? null : $"{Describe()}: other languages get no suggestion";

    /// <summary>Why a codeassist.json <c>languages</c> value is unusable, or null: a non-empty list of language ids.</summary>
    public static string? Problem(IReadOnlyList<string>? ids) =>
        ids is null ? null
        : ids.Count == 0 ? "languages is empty; leave it out for a model that knows every language, or list LSP language ids such as \"csharp\""
        : ids.FirstOrDefault(id => string.IsNullOrWhiteSpace(id) || id.Any(char.IsWhiteSpace)) is { } bad
            ? $"languages holds \"{bad}\", which is not an LSP language id such as \"csharp\" or \"python\""
        : null;
}
