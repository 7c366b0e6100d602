using System.Runtime.InteropServices;
using Tendril.Ebpf.Internal;
using Tendril.Interop;

namespace Tendril.Ebpf;

/// <summary>Where a batched lookup stopped; pass the same cursor to continue. Not thread-safe.</summary>
public sealed class MapBatchCursor
{
    // The kernel's batch token: a bucket index for hash maps, a key for arrays. 8 bytes or the key size covers both.
    internal byte[] Token { get; }

    internal bool Started { get; set; }

    /// <summary>True once the whole map has been read.</summary>
    public bool Done { get; internal set; }

    public MapBatchCursor(int keySize)
    {
        Token = new byte[Math.Max(keySize, 8)];
    }
}

public sealed unsafe partial class Map<TKey, TValue>
{
    /// <summary>
    /// Creates or replaces many entries in one system call (BPF_MAP_UPDATE_BATCH, Linux 5.6+; hash and array maps).
    /// The kernel applies them in order and stops at the first failure; the exception says how many went in.
    /// </summary>
    public int UpdateBatch(ReadOnlySpan<TKey> keys, ReadOnlySpan<TValue> values, MapUpdate mode = MapUpdate.Any)
    {
        ThrowIfPerCpu();
        if (keys.Length != values.Length)
            throw new ArgumentException($"map {Name}: {keys.Length} keys but {values.Length} values");
        if (keys.IsEmpty)
            return 0;
        var opts = new Libbpf.bpf_map_batch_opts { sz = (nuint)sizeof(Libbpf.bpf_map_batch_opts), elem_flags = (ulong)mode };
        uint count = (uint)keys.Length;
        fixed (TKey* k = keys)
        fixed (TValue* v = values)
        {
            int rc = Libbpf.bpf_map_update_batch(Raw.Handle.Fd, k, v, &count, &opts);
            if (rc < 0)
                throw Raw.UpdateError(rc, $"batch update of map {Name} (stopped after {count} of {keys.Length} entries)");
        }
        return (int)count;
    }

    /// <summary>
    /// Reads up to <c>keys.Length</c> entries after <paramref name="cursor"/> in one system call and returns how many.
    /// Check <see cref="MapBatchCursor.Done"/> to know when the map is exhausted.
    /// </summary>
    public int LookupBatch(MapBatchCursor cursor, Span<TKey> keys, Span<TValue> values) =>
        BatchRead(cursor, keys, values, delete: false);

    /// <summary>Like <see cref="LookupBatch"/>, deleting what it returns (hash maps).</summary>
    public int LookupAndDeleteBatch(MapBatchCursor cursor, Span<TKey> keys, Span<TValue> values) =>
        BatchRead(cursor, keys, values, delete: true);

    /// <summary>Deletes many keys in one system call; fails with ENOENT at the first absent key.</summary>
    public int DeleteBatch(ReadOnlySpan<TKey> keys)
    {
        if (keys.IsEmpty)
            return 0;
        var opts = new Libbpf.bpf_map_batch_opts { sz = (nuint)sizeof(Libbpf.bpf_map_batch_opts) };
        uint count = (uint)keys.Length;
        fixed (TKey* k = keys)
        {
            int rc = Libbpf.bpf_map_delete_batch(Raw.Handle.Fd, k, &count, &opts);
            if (rc < 0)
                throw LinuxException.FromNegative($"batch delete from map {Name} (stopped after {count} of {keys.Length} keys)", rc);
        }
        return (int)count;
    }

    /// <summary>Reads the whole map with batched lookups, <paramref name="chunk"/> entries per system call.</summary>
    public List<KeyValuePair<TKey, TValue>> LookupAll(int chunk = 4096)
    {
        var result = new List<KeyValuePair<TKey, TValue>>();
        var cursor = new MapBatchCursor(Raw.KeySize);
        var keys = new TKey[chunk];
        var values = new TValue[chunk];
        while (!cursor.Done)
        {
            int n = LookupBatch(cursor, keys, values);
            for (int i = 0; i < n; i++)
                result.Add(new KeyValuePair<TKey, TValue>(keys[i], values[i]));
        }
        return result;
    }

    private int BatchRead(MapBatchCursor cursor, Span<TKey> keys, Span<TValue> values, bool delete)
    {
        ThrowIfPerCpu();
        if (keys.Length != values.Length)
            throw new ArgumentException($"map {Name}: {keys.Length} key slots but {values.Length} value slots");
        if (cursor.Done || keys.IsEmpty)
            return 0;
        var opts = new Libbpf.bpf_map_batch_opts { sz = (nuint)sizeof(Libbpf.bpf_map_batch_opts) };
        uint count = (uint)keys.Length;
        Span<byte> outToken = stackalloc byte[cursor.Token.Length];
        fixed (byte* inBatch = cursor.Token)
        fixed (byte* outBatch = outToken)
        fixed (TKey* k = keys)
        fixed (TValue* v = values)
        {
            void* start = cursor.Started ? inBatch : null;
            int rc = delete
                ? Libbpf.bpf_map_lookup_and_delete_batch(Raw.Handle.Fd, start, outBatch, k, v, &count, &opts)
                : Libbpf.bpf_map_lookup_batch(Raw.Handle.Fd, start, outBatch, k, v, &count, &opts);
            if (rc == -ErrnoNames.ENOENT)
            {
                cursor.Done = true;
                return (int)count;
            }
            if (rc < 0)
                throw LinuxException.FromNegative($"batch lookup in map {Name}", rc);
        }
        outToken.CopyTo(cursor.Token);
        cursor.Started = true;
        return (int)count;
    }
}
