using System.Net;
using Tendril.Hubble.Decoding;

namespace Tendril.Hubble.Tests;

/// <summary>
/// A deterministic spread of <c>struct flow_event</c> records over every field the decoder looks at (types, subtypes,
/// families, protocols, conntrack states, directions, verdicts, known and unknown endpoints, identities, services and
/// interfaces), and the resolver state they were decoded against. The golden file
/// <c>Golden/eager-decoder-flows.json</c> holds, one JSON flow a line with the UUID left out, what the eager decoder
/// of commit c13f3d0 (the last to build every flow when its event arrived) made of each record: the oracle for
/// flows materialised later. <see cref="Records"/>, <see cref="CorpusResolver"/> and the clock must not change
/// without regenerating the file from that commit's decoder.
/// </summary>
internal static class RecordCorpus
{
    public const int Count = 400;
    public const string NodeName = "node-a";
    public const string Version = "v1.0.0";
    public static readonly DateTimeOffset Now = new(2026, 5, 4, 13, 23, 40, TimeSpan.Zero);
    public const long MonotonicNow = 5_000_000_000_000;

    public static string GoldenPath => Path.Combine(AppContext.BaseDirectory, "Golden", "eager-decoder-flows.json");

    /// <summary>The clock every corpus decoder uses: boot 5,000 s before <see cref="Now"/>.</summary>
    public static BootClock Clock() => new(new ManualTimeProvider(Now, MonotonicNow));

    public static FlowDecoder Decoder(IFlowEndpointResolver resolver) => new(NodeName, resolver, Clock(), Version);

    public static IReadOnlyList<byte[]> Records { get; } = Build();

    private static List<byte[]> Build()
    {
        var random = new Random(20260504);
        byte[] types = [1, 4, 5];
        byte[] dropReasons = [133, 132, 134, 142, 158, 181, 200];
        byte[] tracePoints = [0, 2, 3, 5, 7, 8, 1];
        byte[] protocols = [6, 6, 6, 17, 17, 1, 58, 132, 47];
        ushort[] endpoints = [0, 0, 12, 13, 14];
        uint[] identities = [0, 1, 2, 4, 31028, 16530, 40000, 99999];
        string[] v4 = ["10.0.0.30", "10.0.0.89", "10.0.0.31", "1.1.1.1", "192.168.100.200", "0.0.0.0"];
        string[] v6 = ["fd00::30", "fd00::89", "2001:db8::1", "::1"];
        ushort[] services = [0, 0, 0, 7, 8, 9];
        uint[] interfaces = [0, 0, 7, 8, 9];
        var records = new List<byte[]>(Count);
        for (int i = 0; i < Count; i++)
        {
            byte type = types[i % types.Length];
            byte family = random.Next(10) switch { 0 => 2, _ => 1 };
            string[] addresses = family == 2 ? v6 : v4;
            byte protocol = protocols[random.Next(protocols.Length)];
            bool ports = protocol is 6 or 17 or 132;
            records.Add(new FlowEventBytes
            {
                Type = type,
                Subtype = type switch
                {
                    1 => dropReasons[random.Next(dropReasons.Length)],
                    4 => tracePoints[random.Next(tracePoints.Length)],
                    _ => 0,
                },
                SourceEndpoint = endpoints[random.Next(endpoints.Length)],
                DestEndpoint = endpoints[random.Next(endpoints.Length)],
                CtState = (byte)random.Next(5),
                Direction = (byte)random.Next(4),
                KtimeNs = (ulong)(MonotonicNow - random.NextInt64(0, 3_600_000_000_000)),
                SrcIdentity = identities[random.Next(identities.Length)],
                DstIdentity = identities[random.Next(identities.Length)],
                Saddr = addresses[random.Next(addresses.Length)],
                Daddr = addresses[random.Next(addresses.Length)],
                Sport = ports ? (ushort)random.Next(1, 65536) : (ushort)random.Next(0, 256),
                Dport = ports ? (ushort)random.Next(1, 65536) : (ushort)random.Next(0, 16),
                Protocol = protocol,
                TcpFlags = (byte)random.Next(256),
                Family = family,
                MatchType = (byte)random.Next(8),
                Verdict = (byte)random.Next(3),
                RevNatIndex = services[random.Next(services.Length)],
                Len = (uint)random.Next(40, 1500),
                Ifindex = interfaces[random.Next(interfaces.Length)],
            }.Build());
        }
        return records;
    }
}

/// <summary>
/// The resolver state the corpus was decoded against. Pods can be deleted and identities forgotten afterwards, to
/// show that a stored flow keeps what was true when it was observed. Thread-safe enough for tests: state changes
/// swap immutable dictionaries.
/// </summary>
internal sealed class CorpusResolver : IFlowEndpointResolver
{
    public static readonly FlowEndpointInfo Web = new(12, 16530, "default", "web-7d8f", ["k8s:app=web", "k8s:io.kubernetes.pod.namespace=default"]);
    public static readonly FlowEndpointInfo Db = new(13, 40000, "data", "db-0", []);
    public static readonly FlowEndpointInfo Client = new(0, 31028, "default", "client-1", ["k8s:app=client"]) { ClusterName = "east" };
    public static readonly FlowEndpointInfo ClientV6 = new(0, 31028, "default", "client-1", ["k8s:app=client"]);
    public static readonly FlowEndpointInfo DbIdentity = new(0, 40000, "", "", ["k8s:app=db", "k8s:io.kubernetes.pod.namespace=data"]);
    public static readonly FlowServiceInfo Deathstar = new("default", "deathstar");
    public static readonly FlowServiceInfo Dns = new("kube-system", "kube-dns");

    private Dictionary<ushort, FlowEndpointInfo> _byId = new() { [12] = Web, [13] = Db };
    private Dictionary<(int, UInt128), FlowEndpointInfo> _byAddress = new()
    {
        [Key(IPAddress.Parse("10.0.0.30").GetAddressBytes())] = Client,
        [Key(IPAddress.Parse("10.0.0.89").GetAddressBytes())] = Web,
        [Key(IPAddress.Parse("fd00::30").GetAddressBytes())] = ClientV6,
    };
    private Dictionary<uint, FlowEndpointInfo> _byIdentity = new() { [40000] = DbIdentity };

    public FlowEndpointInfo? ResolveEndpoint(ushort endpointId) => Volatile.Read(ref _byId).GetValueOrDefault(endpointId);

    public FlowEndpointInfo? ResolveAddress(ReadOnlySpan<byte> address) =>
        Volatile.Read(ref _byAddress).GetValueOrDefault(Key(address));

    public FlowEndpointInfo? ResolveIdentity(uint identity) =>
        ReservedIdentities.Describe(identity) ?? Volatile.Read(ref _byIdentity).GetValueOrDefault(identity);

    public string? InterfaceName(uint ifindex) => ifindex switch
    {
        7 => "lxc12",
        8 => "lxc13",
        _ => null,
    };

    public FlowServiceInfo? ResolveService(ushort serviceId) => serviceId switch
    {
        7 => Deathstar,
        8 => Dns,
        _ => null,
    };

    // Without allocating, so that a test can show ingestion allocates nothing.
    private static (int, UInt128) Key(ReadOnlySpan<byte> address)
    {
        UInt128 value = 0;
        foreach (byte b in address)
            value = value << 8 | b;
        return (address.Length, value);
    }

    /// <summary>The pod is gone: neither its endpoint ID nor its address resolve any more, nor its identity.</summary>
    public void DeletePod(FlowEndpointInfo pod)
    {
        Volatile.Write(ref _byId, _byId.Where(e => e.Value != pod).ToDictionary());
        Volatile.Write(ref _byAddress, _byAddress.Where(e => e.Value != pod).ToDictionary());
        Volatile.Write(ref _byIdentity, _byIdentity.Where(e => e.Key != pod.Identity).ToDictionary());
    }
}
