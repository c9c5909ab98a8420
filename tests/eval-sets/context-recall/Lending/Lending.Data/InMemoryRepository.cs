namespace Lending.Data;

/// <summary>A dictionary behind the repository interface, keyed by what <paramref name="keyOf"/> reads.</summary>
public class InMemoryRepository<TKey, TEntity>(Func<TEntity, TKey> keyOf) : IRepository<TKey, TEntity>
    where TKey : notnull
{
    private readonly Dictionary<TKey, TEntity> _items = [];

    public event Action<TEntity>? Added;

    public int Count => _items.Count;

    public TEntity? Find(TKey key) => _items.TryGetValue(key, out var entity) ? entity : default;

    public TEntity Get(TKey key) =>
        _items.TryGetValue(key, out var entity) ? entity : throw new KeyNotFoundException($"no {typeof(TEntity).Name} with key {key}");

    public IEnumerable<TEntity> All() => _items.Values;

    public void Add(TEntity entity)
    {
        var key = keyOf(entity);
        if (!_items.TryAdd(key, entity))
            throw new InvalidOperationException($"{typeof(TEntity).Name} {key} already exists");
        Added?.Invoke(entity);
    }

    public void Update(TEntity entity) => _items[keyOf(entity)] = entity;

    public bool Remove(TKey key) => _items.Remove(key);

    protected IEnumerable<TEntity> Where(Func<TEntity, bool> predicate) => _items.Values.Where(predicate);
}
