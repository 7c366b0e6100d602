using System.Collections.Frozen;

namespace Tendril.Hubble.Decoding;

/// <summary>
/// The one-line <c>Summary</c> Hubble puts on L3/L4 flows: "TCP Flags: SYN, ACK", "UDP", "ICMPv4 EchoRequest",
/// "ICMPv4 DestinationUnreachable(Port)". Every string is built once and cached, so summarising a flow does not
/// allocate. Thread-safe.
/// </summary>
public static class FlowSummary
{
    /// <summary>TCP header flag bits as they appear in byte 13 of the TCP header.</summary>
    public const byte Fin = 0x01, Syn = 0x02, Rst = 0x04, Psh = 0x08, Ack = 0x10, Urg = 0x20, Ece = 0x40, Cwr = 0x80;

    // Hubble lists flags in this order (SYN before ACK, ACK before FIN and PSH), not in bit order.
    private static readonly (byte Bit, string Name)[] FlagOrder =
        [(Syn, "SYN"), (Ack, "ACK"), (Rst, "RST"), (Fin, "FIN"), (Psh, "PSH"), (Urg, "URG"), (Ece, "ECE"), (Cwr, "CWR")];

    private static readonly string[] TcpSummaries = BuildTcpSummaries();

    /// <summary>"TCP Flags: …" for a TCP flags byte.</summary>
    public static string Tcp(byte flags) => TcpSummaries[flags];

    /// <summary>"ICMPv4 &lt;type&gt;[(&lt;code&gt;)]", in the words of Hubble's packet library.</summary>
    public static string IcmpV4(byte type, byte code) =>
        Icmp4.TryGetValue(Key(type, code), out var s) ? s : "ICMPv4 " + IcmpFallback(Icmp4Types, type, code);

    /// <summary>The name of an ICMPv4 type ("EchoRequest"), or its number; for metrics labels, without allocating.</summary>
    public static string IcmpV4TypeName(byte type) =>
        Icmp4Types.TryGetValue(type, out var info) ? info.Name : Numbers[type];

    /// <summary>"ICMPv6 &lt;type&gt;[(&lt;code&gt;)]".</summary>
    public static string IcmpV6(byte type, byte code) =>
        Icmp6.TryGetValue(Key(type, code), out var s) ? s : "ICMPv6 " + IcmpFallback(Icmp6Types, type, code);

    /// <summary>The flag names set in <paramref name="flags"/>, in Hubble's order, joined by ", ".</summary>
    public static string TcpFlagNames(byte flags) => Tcp(flags)["TCP Flags: ".Length..];

    private static ushort Key(byte type, byte code) => (ushort)(type << 8 | code);

    private static string[] BuildTcpSummaries()
    {
        var table = new string[256];
        var names = new List<string>(8);
        for (int flags = 0; flags < 256; flags++)
        {
            names.Clear();
            foreach (var (bit, name) in FlagOrder)
            {
                if ((flags & bit) != 0)
                    names.Add(name);
            }
            table[flags] = "TCP Flags: " + string.Join(", ", names);
        }
        return table;
    }

    // Pre-renders every (type, known code) pair plus each type with code 0; other combinations are rare and are
    // rendered on demand.
    private static FrozenDictionary<ushort, string> BuildIcmp(Dictionary<byte, (string Name, string[]? Codes)> types, string prefix)
    {
        var table = new Dictionary<ushort, string>();
        foreach (var (type, (_, codes)) in types)
        {
            int count = codes?.Length ?? 1;
            for (int code = 0; code < count; code++)
                table[Key(type, (byte)code)] = prefix + IcmpFallback(types, type, (byte)code);
        }
        return table.ToFrozenDictionary();
    }

    private static string IcmpFallback(Dictionary<byte, (string Name, string[]? Codes)> types, byte type, byte code)
    {
        if (!types.TryGetValue(type, out var info))
            return $"{type}({code})";
        if (info.Codes is null)
            return code == 0 ? info.Name : $"{info.Name}(Code: {code})";
        return code < info.Codes.Length ? $"{info.Name}({info.Codes[code]})" : $"{info.Name}(Code: {code})";
    }

    private static readonly Dictionary<byte, (string Name, string[]? Codes)> Icmp4Types = new()
    {
        [0] = ("EchoReply", null),
        [3] = ("DestinationUnreachable",
        [
            "Net", "Host", "Protocol", "Port", "FragmentationNeeded", "SourceRoutingFailed", "NetUnknown",
            "HostUnknown", "SourceIsolated", "NetAdminProhibited", "HostAdminProhibited", "NetTOS", "HostTOS",
            "CommAdminProhibited", "HostPrecedence", "PrecedenceCutoff",
        ]),
        [4] = ("SourceQuench", null),
        [5] = ("Redirect", ["Network", "Host", "TOS+Network", "TOS+Host"]),
        [8] = ("EchoRequest", null),
        [9] = ("RouterAdvertisement", null),
        [10] = ("RouterSolicitation", null),
        [11] = ("TimeExceeded", ["TTLExceeded", "FragmentReassemblyTimeExceeded"]),
        [12] = ("ParameterProblem", ["BadHeader", "MissingOption", "BadLength"]),
        [13] = ("TimestampRequest", null),
        [14] = ("TimestampReply", null),
        [15] = ("InfoRequest", null),
        [16] = ("InfoReply", null),
        [17] = ("AddressMaskRequest", null),
        [18] = ("AddressMaskReply", null),
    };

    private static readonly Dictionary<byte, (string Name, string[]? Codes)> Icmp6Types = new()
    {
        [1] = ("DestinationUnreachable",
        [
            "NoRouteToDst", "AdminProhibited", "BeyondScopeOfSrc", "Unreachable", "PortUnreachable",
            "SrcAddressFailedPolicy", "RejectRouteToDst",
        ]),
        [2] = ("PacketTooBig", null),
        [3] = ("TimeExceeded", ["HopLimitExceeded", "FragmentReassemblyTimeExceeded"]),
        [4] = ("ParameterProblem", ["ErroneousHeaderField", "UnrecognizedNextHeader", "UnrecognizedIPv6Option"]),
        [128] = ("EchoRequest", null),
        [129] = ("EchoReply", null),
        [133] = ("RouterSolicitation", null),
        [134] = ("RouterAdvertisement", null),
        [135] = ("NeighborSolicitation", null),
        [136] = ("NeighborAdvertisement", null),
        [137] = ("Redirect", null),
    };

    // Declared after the type tables they are built from: static fields initialise in textual order.
    private static readonly FrozenDictionary<ushort, string> Icmp4 = BuildIcmp(Icmp4Types, "ICMPv4 ");
    private static readonly FrozenDictionary<ushort, string> Icmp6 = BuildIcmp(Icmp6Types, "ICMPv6 ");
    private static readonly string[] Numbers = Enumerable.Range(0, 256).Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
}
