namespace Lending.Data;

/// <summary>Entities kept by key; the in-memory store is the only one the desk needs.</summary>
public interface IRepository<TKey, TEntity>
    where TKey : notnull
{
    int Count { get; }

    TEntity? Find(TKey key);

    TEntity Get(TKey key);

    IEnumerable<TEntity> All();

    void Add(TEntity entity);

    void Update(TEntity entity);

    bool Remove(TKey key);
}
