using System.Runtime.InteropServices;
using Tendril.Ebpf.Layout;

namespace Tendril.Datapath.Abi;

// C# mirrors of bpf/shared/lb.h. Addresses and ports are in network byte order, as the C side keeps them.

/// <summary>LB_SVC_F_* of a service's master entry.</summary>
[Flags]
public enum ServiceFlags : byte
{
    None = 0,

    /// <summary>sessionAffinity ClientIP: a client keeps its backend for the affinity timeout.</summary>
    SessionAffinity = 0x01,

    /// <summary>Select through the service's Maglev table instead of at random.</summary>
    Maglev = 0x02,

    /// <summary>Without backends, refuse (connect() fails with ECONNREFUSED); otherwise drop (reason 158).</summary>
    RejectWithoutBackends = 0x04,

    /// <summary>NodePort, ExternalIP or LoadBalancer frontend: served to clients outside the node (bpf/host.c).</summary>
    Routable = 0x08,
}

/// <summary>LB_BACKEND_* of a backend.</summary>
public enum BackendState : byte
{
    Active = 0,

    /// <summary>Existing connections keep it; new ones never get it.</summary>
    Terminating = 1,
}

[CStruct("lb4_key", "shared/lb.h")]
[StructLayout(LayoutKind.Sequential)]
public unsafe struct Lb4Key
{
    public uint Address;
    public ushort Dport;
    public ushort BackendSlot;
    public byte Proto;
    public byte Scope;
    public fixed byte Pad[2];
}

[CStruct("lb4_service", "shared/lb.h")]
[StructLayout(LayoutKind.Sequential)]
public unsafe struct Lb4Service
{
    public uint BackendId;
    public uint AffinityTimeout;
    public ushort Count;
    public ushort RevNatIndex;
    public byte Flags;
    public fixed byte Pad[3];
}

[CStruct("lb4_backend", "shared/lb.h")]
[StructLayout(LayoutKind.Sequential)]
public struct Lb4Backend
{
    public uint Address;
    public ushort Port;
    public byte Proto;
    public byte State;
}

[CStruct("lb4_reverse_nat", "shared/lb.h")]
[StructLayout(LayoutKind.Sequential)]
public struct Lb4ReverseNat
{
    public uint Address;
    public ushort Port;
    public ushort Pad;
}

[CStruct("lb4_reverse_sk_key", "shared/lb.h")]
[StructLayout(LayoutKind.Sequential)]
public struct Lb4ReverseSkKey
{
    public ulong Cookie;
    public uint Address;
    public ushort Port;
    public ushort Pad;
}

[CStruct("lb4_reverse_sk", "shared/lb.h")]
[StructLayout(LayoutKind.Sequential)]
public struct Lb4ReverseSk
{
    public uint Address;
    public ushort Port;
    public ushort RevNatIndex;
}

[CStruct("lb4_affinity_key", "shared/lb.h")]
[StructLayout(LayoutKind.Sequential)]
public unsafe struct Lb4AffinityKey
{
    public ulong NetnsCookie;
    public uint ClientIp;
    public ushort RevNatIndex;
    public fixed byte Pad[2];
}

[CStruct("lb4_affinity", "shared/lb.h")]
[StructLayout(LayoutKind.Sequential)]
public struct Lb4Affinity
{
    public ulong LastUsedNs;
    public uint BackendId;
    public uint Pad;
}
