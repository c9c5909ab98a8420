using System.Collections;
using System.Collections.Immutable;

namespace Gauges.Core;

/// <summary>Key=value tags, sorted by key, compared by content.</summary>
public sealed class TagSet : IEquatable<TagSet>, IEnumerable<KeyValuePair<string, string>>
{
    private readonly ImmutableSortedDictionary<string, string> _tags;

    private TagSet(ImmutableSortedDictionary<string, string> tags) => _tags = tags;

    public static TagSet Empty { get; } = new(ImmutableSortedDictionary<string, string>.Empty.WithComparers(StringComparer.Ordinal));

    public int Count => _tags.Count;

    public string? this[string key] => _tags.TryGetValue(key, out var value) ? value : null;

    public TagSet With(string key, string value) => new(_tags.SetItem(key, value));

    public TagSet Without(string key) => new(_tags.Remove(key));

    public bool Has(string key, string? value = null) => _tags.TryGetValue(key, out var actual) && (value is null || actual == value);

    public static TagSet Parse(string text)
    {
        var tags = Empty;
        foreach (var pair in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = pair.IndexOf('=');
            if (equals <= 0)
                throw new FormatException($"tag '{pair}' is not key=value");
            tags = tags.With(pair[..equals], pair[(equals + 1)..]);
        }
        return tags;
    }

    public bool Equals(TagSet? other) => other is not null && _tags.Count == other._tags.Count && _tags.All(t => other[t.Key] == t.Value);

    public override bool Equals(object? obj) => Equals(obj as TagSet);

    public override int GetHashCode() => _tags.Aggregate(17, (hash, t) => HashCode.Combine(hash, t.Key, t.Value));

    public IEnumerator<KeyValuePair<string, string>> GetEnumerator() => _tags.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => string.Join(",", _tags.Select(t => $"{t.Key}={t.Value}"));
}
