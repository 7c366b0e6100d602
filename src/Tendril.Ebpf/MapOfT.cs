using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Tendril.Ebpf.Internal;
using Tendril.Interop;

namespace Tendril.Ebpf;

/// <summary>
/// A typed view of a <see cref="Map"/> for unmanaged key and value structs, whose layouts must mirror the C
/// structs exactly (checked by the layout-parity test). For per-CPU maps <typeparamref name="TValue"/> is the
/// value of one CPU. Thread-safe like <see cref="Map"/>; the view does not own the map.
/// </summary>
public sealed unsafe partial class Map<TKey, TValue>
    where TKey : unmanaged
    where TValue : unmanaged
{
    internal Map(Map map)
    {
        if (sizeof(TKey) != map.KeySize)
            throw new ArgumentException($"map {map.Name}: key type {typeof(TKey).Name} is {sizeof(TKey)} bytes, the map's key is {map.KeySize}");
        if (sizeof(TValue) != map.ValueSize)
            throw new ArgumentException($"map {map.Name}: value type {typeof(TValue).Name} is {sizeof(TValue)} bytes, the map's value is {map.ValueSize}");
        Raw = map;
    }

    /// <summary>The untyped map this view reads and writes.</summary>
    public Map Raw { get; }

    public string Name => Raw.Name;

    /// <summary>Reads the value of <paramref name="key"/>; false when it is absent. Not for per-CPU maps.</summary>
    public bool TryLookup(in TKey key, out TValue value)
    {
        ThrowIfPerCpu();
        value = default;
        return Raw.Lookup(AsBytes(in key), MemoryMarshal.AsBytes(new Span<TValue>(ref value)));
    }

    /// <summary>Reads the value of <paramref name="key"/>, throwing <see cref="KeyNotFoundException"/> when absent.</summary>
    public TValue Lookup(in TKey key) =>
        TryLookup(in key, out var value) ? value : throw new KeyNotFoundException($"map {Name}: no entry for the key");

    /// <summary>Creates or replaces an entry as <paramref name="mode"/> allows. Not for per-CPU maps.</summary>
    public void Update(in TKey key, in TValue value, MapUpdate mode = MapUpdate.Any)
    {
        ThrowIfPerCpu();
        Raw.Update(AsBytes(in key), AsBytes(in value), mode);
    }

    /// <summary>Deletes <paramref name="key"/>; false when it was absent.</summary>
    public bool Delete(in TKey key) => Raw.Delete(AsBytes(in key));

    /// <summary>Reads every CPU's value of <paramref name="key"/> into <paramref name="perCpu"/> (one element per possible CPU).</summary>
    public bool TryLookupPerCpu(in TKey key, Span<TValue> perCpu)
    {
        int cpus = LinuxSystem.PossibleCpuCount;
        if (perCpu.Length < cpus)
            throw new ArgumentException($"map {Name}: {perCpu.Length} slots for {cpus} possible CPUs", nameof(perCpu));
        byte[] buffer = ArrayPool<byte>.Shared.Rent(Raw.ValueBufferSize);
        try
        {
            if (!Raw.Lookup(AsBytes(in key), buffer.AsSpan(0, Raw.ValueBufferSize)))
                return false;
            int stride = (int)Map.RoundUp8((uint)sizeof(TValue));
            for (int cpu = 0; cpu < cpus; cpu++)
                perCpu[cpu] = MemoryMarshal.Read<TValue>(buffer.AsSpan(cpu * stride, sizeof(TValue)));
            return true;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Reads every CPU's value of <paramref name="key"/>; an empty array when absent.</summary>
    public TValue[] LookupPerCpu(in TKey key)
    {
        var values = new TValue[LinuxSystem.PossibleCpuCount];
        return TryLookupPerCpu(in key, values) ? values : [];
    }

    /// <summary>Writes one value per possible CPU.</summary>
    public void UpdatePerCpu(in TKey key, ReadOnlySpan<TValue> perCpu, MapUpdate mode = MapUpdate.Any)
    {
        if (!Raw.IsPerCpu)
            throw new InvalidOperationException($"map {Name} is a {Raw.Type} map, not per-CPU");
        int cpus = LinuxSystem.PossibleCpuCount;
        if (perCpu.Length != cpus)
            throw new ArgumentException($"map {Name}: {perCpu.Length} values for {cpus} possible CPUs", nameof(perCpu));
        int stride = (int)Map.RoundUp8((uint)sizeof(TValue));
        byte[] buffer = ArrayPool<byte>.Shared.Rent(Raw.ValueBufferSize);
        try
        {
            var span = buffer.AsSpan(0, Raw.ValueBufferSize);
            span.Clear();
            for (int cpu = 0; cpu < cpus; cpu++)
                MemoryMarshal.Write(span.Slice(cpu * stride), in perCpu[cpu]);
            Raw.Update(AsBytes(in key), span, mode);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Every key, in the kernel's iteration order. Entries changed meanwhile may be seen or not.</summary>
    public IEnumerable<TKey> Keys()
    {
        var key = new TKey[1];
        bool first = true;
        while (true)
        {
            var next = default(TKey);
            bool more = first
                ? Raw.NextKey(ReadOnlySpan<byte>.Empty, MemoryMarshal.AsBytes(new Span<TKey>(ref next)))
                : Raw.NextKey(MemoryMarshal.AsBytes(key.AsSpan()), MemoryMarshal.AsBytes(new Span<TKey>(ref next)));
            if (!more)
                yield break;
            first = false;
            key[0] = next;
            yield return next;
        }
    }

    /// <summary>Every entry (not for per-CPU maps). An entry deleted between listing its key and reading it is skipped.</summary>
    public IEnumerable<KeyValuePair<TKey, TValue>> Entries()
    {
        foreach (var key in Keys())
        {
            if (TryLookup(in key, out var value))
                yield return new KeyValuePair<TKey, TValue>(key, value);
        }
    }

    private void ThrowIfPerCpu()
    {
        if (Raw.IsPerCpu)
            throw new InvalidOperationException($"map {Name} is per-CPU: use {nameof(TryLookupPerCpu)}/{nameof(UpdatePerCpu)}");
    }

    internal static ReadOnlySpan<byte> AsBytes<T>(in T value) where T : unmanaged =>
        MemoryMarshal.AsBytes(new ReadOnlySpan<T>(in value));
}
