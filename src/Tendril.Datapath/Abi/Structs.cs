using System.Runtime.InteropServices;
using Tendril.Ebpf.Layout;

namespace Tendril.Datapath.Abi;

// C# mirrors of bpf/shared/*.h. The layout-parity test compares each with what clang computes.

[CStruct("endpoint_key", "shared/endpoint.h")]
[StructLayout(LayoutKind.Sequential)]
public unsafe struct EndpointKey
{
    public fixed byte Addr[16];
    public byte Family;
    public fixed byte Pad[3];
}

[CStruct("endpoint_info", "shared/endpoint.h")]
[StructLayout(LayoutKind.Sequential)]
public unsafe struct EndpointInfo
{
    public uint Ifindex;
    public ushort EndpointId;
    public ushort Flags;
    public uint Identity;
    public uint Ipv4;
    public fixed byte Mac[6];
    public fixed byte NodeMac[6];
}

[CStruct("ipcache_key", "shared/ipcache.h")]
[StructLayout(LayoutKind.Sequential)]
public unsafe struct IpCacheKey
{
    public uint Prefixlen;
    public ushort Pad;
    public byte ClusterId;
    public byte Family;
    public fixed byte Addr[16];
}

[CStruct("ipcache_value", "shared/ipcache.h")]
[StructLayout(LayoutKind.Sequential)]
public struct IpCacheValue
{
    public uint Identity;
    public uint TunnelEndpoint;
    public ushort NodeId;
    public byte EncryptKey;
    public byte Flags;
}

[CStruct("policy_key", "shared/policy.h")]
[StructLayout(LayoutKind.Sequential)]
public struct PolicyKeyAbi
{
    public uint Prefixlen;
    public uint Identity;
    public byte Egress;
    public byte Protocol;
    public ushort Dport;
}

[CStruct("policy_entry", "shared/policy.h")]
[StructLayout(LayoutKind.Sequential)]
public unsafe struct PolicyEntryAbi
{
    public ushort ProxyPort;
    public byte Flags;
    [CField("l4_prefix")]
    public byte L4Prefix;
    public byte AuthType;
    public fixed byte Pad[3];
}

[CStruct("ct4_key", "shared/conntrack.h")]
[StructLayout(LayoutKind.Sequential)]
public unsafe struct Ct4Key
{
    public uint Saddr;
    public uint Daddr;
    public ushort Sport;
    public ushort Dport;
    public byte Protocol;
    public byte Flags;
    public fixed byte Pad[2];
}

[CStruct("ct_entry", "shared/conntrack.h")]
[StructLayout(LayoutKind.Sequential)]
public struct CtEntry
{
    public ulong ExpiresNs;
    public ulong PacketsFwd;
    public ulong BytesFwd;
    public ulong PacketsRev;
    public ulong BytesRev;
    public uint SrcIdentity;
    public ushort Flags;
    public byte TcpFlagsFwd;
    public byte TcpFlagsRev;
    public ulong LastReportNs;
    public uint BackendId;
    public ushort RevNatIndex;
    public ushort NatPort;
}

[CStruct("flow_event", "shared/events.h")]
[StructLayout(LayoutKind.Sequential)]
public unsafe struct FlowEvent
{
    public byte Type;
    public byte Subtype;
    public ushort SourceEndpoint;
    public ushort DestEndpoint;
    public byte CtState;
    public byte Direction;
    public ulong KtimeNs;
    public uint SrcIdentity;
    public uint DstIdentity;
    public fixed byte Saddr[16];
    public fixed byte Daddr[16];
    public ushort Sport;
    public ushort Dport;
    public byte Protocol;
    public byte TcpFlags;
    public byte Family;
    public byte MatchType;
    public byte Verdict;
    public byte Pad;

    /// <summary>The service (rev-NAT index, host order) the packet was translated for; 0 if none.</summary>
    public ushort RevNatIndex;
    public uint Len;
    public uint Ifindex;
}

/// <summary>What one slot of tendril_metrics counts. The map is an array: <see cref="ToIndex"/> finds the slot.</summary>
[CStruct("metrics_key", "shared/events.h")]
[StructLayout(LayoutKind.Sequential)]
public struct MetricsKey
{
    /// <summary>METRICS_MAX_ENTRIES in bpf/shared/events.h: a slot for every reason and two-bit direction.</summary>
    public const int MaxEntries = 256 << DirectionBits;

    // METRICS_DIRECTION_BITS and METRICS_INDEX in bpf/shared/events.h.
    private const int DirectionBits = 2;

    public byte Reason;
    public byte Direction;
    public ushort Pad;

    public MetricsKey(byte reason, byte direction)
    {
        Reason = reason;
        Direction = direction;
    }

    public readonly uint ToIndex() => ((uint)Reason << DirectionBits) | (Direction & 3u);

    public static MetricsKey FromIndex(uint index) => new((byte)(index >> DirectionBits), (byte)(index & 3));
}

[CStruct("metrics_value", "shared/events.h")]
[StructLayout(LayoutKind.Sequential)]
public struct MetricsValue
{
    public ulong Packets;
    public ulong Bytes;
}
