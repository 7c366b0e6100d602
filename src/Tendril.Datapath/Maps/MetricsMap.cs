using Tendril.Datapath.Abi;
using Tendril.Ebpf;
using Tendril.Interop;

namespace Tendril.Datapath.Maps;

/// <summary>Packets and bytes the datapath counted for one (reason, direction), summed over CPUs.</summary>
/// <param name="Reason">0 for forwarded, else a <see cref="DropReason"/>.</param>
/// <param name="Direction">An <see cref="EventDirection"/>.</param>
public sealed record MetricsCount(byte Reason, byte Direction, ulong Packets, ulong Bytes);

/// <summary>
/// tendril_metrics: a per-CPU array with a slot per (reason, direction) (<see cref="MetricsKey.ToIndex"/>). Reading
/// takes one lookup per slot (about 2 ms for the map), so it suits a scrape, not a hot path. Thread-safe.
/// </summary>
public sealed class MetricsMap
{
    private readonly Map<uint, MetricsValue> _map;

    public MetricsMap(Map map)
    {
        if (map.Type != MapType.PerCpuArray || map.MaxEntries != MetricsKey.MaxEntries)
            throw new ArgumentException($"map {map.Name} is a {map.Type} map of {map.MaxEntries} entries; tendril_metrics is a PerCpuArray of {MetricsKey.MaxEntries}", nameof(map));
        _map = map.As<uint, MetricsValue>();
    }

    /// <summary>Every (reason, direction) that counted at least one packet, summed over CPUs, by reason then direction.</summary>
    public IReadOnlyList<MetricsCount> Read()
    {
        var counts = new List<MetricsCount>();
        var perCpu = new MetricsValue[LinuxSystem.PossibleCpuCount];
        for (uint index = 0; index < MetricsKey.MaxEntries; index++)
        {
            if (!_map.TryLookupPerCpu(index, perCpu))
                continue;
            ulong packets = 0, bytes = 0;
            foreach (var value in perCpu)
            {
                packets += value.Packets;
                bytes += value.Bytes;
            }
            if (packets == 0 && bytes == 0)
                continue;
            var key = MetricsKey.FromIndex(index);
            counts.Add(new MetricsCount(key.Reason, key.Direction, packets, bytes));
        }
        return counts;
    }

    /// <summary>The count of one (reason, direction), summed over CPUs.</summary>
    public (ulong Packets, ulong Bytes) Read(byte reason, byte direction)
    {
        ulong packets = 0, bytes = 0;
        foreach (var value in _map.LookupPerCpu(new MetricsKey(reason, direction).ToIndex()))
        {
            packets += value.Packets;
            bytes += value.Bytes;
        }
        return (packets, bytes);
    }
}
