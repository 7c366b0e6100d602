using Tendril.Ebpf;

namespace Tendril.Datapath.Maps;

/// <summary>
/// tendril_lb4_maglev: service ID → that service's Maglev lookup table, an array of <see cref="TableSize"/> backend
/// IDs (computed by the control plane). A table is replaced whole: a new array is filled, then swapped into the outer
/// map in one update, so a lookup sees the old table or the new one, never a mix. With a pin directory each table is
/// also pinned there (maglev_&lt;id&gt;), for inspection; the outer map holds the tables the datapath uses either way.
/// Thread-safe as far as the maps are; callers serialise changes to one service.
/// </summary>
public sealed class MaglevTables
{
    /// <summary>BPF_F_INNER_MAP: tables may differ in size from the object's one-entry template.</summary>
    public const uint InnerMapFlag = 1u << 12;

    private readonly Map<ushort, uint> _outer;
    private readonly string? _pinDirectory;

    /// <param name="outer">tendril_lb4_maglev.</param>
    /// <param name="tableSize">M: the objects' cfg_lb_maglev_table_size.</param>
    /// <param name="pinDirectory">Where to pin each table, or null not to.</param>
    public MaglevTables(Map outer, uint tableSize, string? pinDirectory)
    {
        ArgumentOutOfRangeException.ThrowIfZero(tableSize);
        _outer = outer.As<ushort, uint>();
        TableSize = tableSize;
        _pinDirectory = pinDirectory;
    }

    public uint TableSize { get; }

    /// <summary>Installs (or replaces) service <paramref name="revNatIndex"/>'s table: <see cref="TableSize"/> backend IDs.</summary>
    public void Set(ushort revNatIndex, ReadOnlySpan<uint> table)
    {
        if (table.Length != TableSize)
            throw new ArgumentException($"Maglev table of service {revNatIndex} has {table.Length} entries; the datapath was loaded for {TableSize}");
        using var inner = Map.Create(new MapCreateOptions($"tendril_mg{revNatIndex:D5}", MapType.Array, sizeof(uint), sizeof(uint), TableSize, InnerMapFlag));
        var keys = new uint[table.Length];
        for (uint i = 0; i < keys.Length; i++)
            keys[i] = i;
        inner.As<uint, uint>().UpdateBatch(keys, table);
        _outer.Update(revNatIndex, (uint)inner.Handle.Fd);
        if (PinOf(revNatIndex) is { } pin)
        {
            Directory.CreateDirectory(_pinDirectory!);
            File.Delete(pin);
            inner.Pin(pin);
        }
    }

    /// <summary>Removes a service's table; the service then selects at random even if flagged Maglev.</summary>
    public void Remove(ushort revNatIndex)
    {
        _outer.Delete(revNatIndex);
        if (PinOf(revNatIndex) is { } pin)
            File.Delete(pin);
    }

    /// <summary>Services that have a table.</summary>
    public IReadOnlyList<ushort> Services() => _outer.Keys().Order().ToList();

    /// <summary>A pinned table's content, or null when it is not pinned here.</summary>
    public uint[]? ReadPinned(ushort revNatIndex)
    {
        if (PinOf(revNatIndex) is not { } pin || !File.Exists(pin))
            return null;
        using var inner = Map.OpenPinned(pin);
        var map = inner.As<uint, uint>();
        var table = new uint[inner.MaxEntries];
        for (uint i = 0; i < table.Length; i++)
            map.TryLookup(i, out table[i]);
        return table;
    }

    private string? PinOf(ushort revNatIndex) => _pinDirectory is null ? null : Path.Combine(_pinDirectory, $"maglev_{revNatIndex:D5}");
}
