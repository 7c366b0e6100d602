namespace Tendril.Store;

/// <summary>Compare-and-swap shorthands, written once on top of <see cref="IKeyValueStore.TxnAsync"/> for every store.</summary>
public static class KeyValueStoreExtensions
{
    /// <summary>Creates the key only if it does not exist; true when this call created it.</summary>
    public static async Task<bool> CreateIfAbsentAsync(this IKeyValueStore store, string key, string value, long leaseId = 0,
        CancellationToken cancellationToken = default)
    {
        var result = await store.TxnAsync([Compare.Absent(key)], [TxnOp.Put(key, value, leaseId)], [], cancellationToken).ConfigureAwait(false);
        return result.Succeeded;
    }

    /// <summary>
    /// Writes the key only if it was last written at <paramref name="expectedModRevision"/> (0: only if absent);
    /// true when this call wrote it. On false, read the key again and retry with its new ModRevision.
    /// </summary>
    public static async Task<bool> CompareAndSwapAsync(this IKeyValueStore store, string key, long expectedModRevision, string value,
        long leaseId = 0, CancellationToken cancellationToken = default)
    {
        var result = await store.TxnAsync([Compare.ModRevisionEquals(key, expectedModRevision)], [TxnOp.Put(key, value, leaseId)], [],
            cancellationToken).ConfigureAwait(false);
        return result.Succeeded;
    }
}
