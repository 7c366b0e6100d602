using System.Runtime.InteropServices;
using Tendril.Ebpf.Layout;

namespace Tendril.Tests.Common.SelfTest;

// C# mirrors of bpf/shared/selftest.h, checked field by field by the layout-parity test.

public enum SelfTestVerdict : byte
{
    Pass = 0,
    Drop = 1,
}

[CStruct("selftest_event", "shared/selftest.h")]
[StructLayout(LayoutKind.Sequential)]
public struct SelfTestEvent
{
    public ulong KtimeNs;
    public uint Saddr;
    public uint Daddr;
    public ushort Sport;
    public ushort Dport;
    public byte Protocol;
    public SelfTestVerdict Verdict;
    public byte TcpFlags;
    public byte Pad;
    public uint Len;
    public uint Seq;
}

[CStruct("selftest_config", "shared/selftest.h")]
[StructLayout(LayoutKind.Sequential)]
public struct SelfTestConfig
{
    public uint Verdict;
    public uint DenyUdpSockets;
}

[CStruct("selftest_stats", "shared/selftest.h")]
[StructLayout(LayoutKind.Sequential)]
public struct SelfTestStats
{
    public ulong Seen;
    public ulong Passed;
    public ulong Dropped;
    public ulong Lost;
}

[CStruct("selftest_value", "shared/selftest.h")]
[StructLayout(LayoutKind.Sequential)]
public struct SelfTestValue
{
    public ulong Counter;
    public uint Id;
    public uint Flags;
}

/// <summary>IPv4 address and port, both in network byte order, as the sock_addr hooks see them.</summary>
[CStruct("selftest_addr", "shared/selftest.h")]
[StructLayout(LayoutKind.Sequential)]
public struct SelfTestAddr
{
    public uint Ip;
    public ushort Port;
    public ushort Pad;

    public static SelfTestAddr From(System.Net.IPAddress address, int port) => new()
    {
        Ip = BitConverter.ToUInt32(address.GetAddressBytes()),
        Port = (ushort)System.Net.IPAddress.HostToNetworkOrder((short)port),
    };
}

[CStruct("selftest_lpm_key", "shared/selftest.h")]
[StructLayout(LayoutKind.Sequential)]
public struct SelfTestLpmKey
{
    public uint Prefixlen;
    public uint Addr;

    public static SelfTestLpmKey From(System.Net.IPAddress address, int prefixLength) => new()
    {
        Prefixlen = (uint)prefixLength,
        Addr = BitConverter.ToUInt32(address.GetAddressBytes()),
    };
}

[CStruct("selftest_exec", "shared/selftest.h")]
[StructLayout(LayoutKind.Sequential)]
public struct SelfTestExec
{
    public ulong Count;
    public uint LastPid;
    public uint Pad;
}
