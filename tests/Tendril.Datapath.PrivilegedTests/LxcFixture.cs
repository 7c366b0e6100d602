using System.Net;
using System.Net.NetworkInformation;
using Tendril.Datapath.Abi;
using Tendril.Datapath.Maps;
using Tendril.Ebpf;
using Tendril.Ebpf.RingBuffer;
using Tendril.Tests.Common;

namespace Tendril.Datapath.PrivilegedTests;

/// <summary>
/// bpf/lxc.o loaded without pins, with two endpoints: A (10.0.1.1, endpoint 10, identity 1000) and
/// B (10.0.1.2, endpoint 11, identity 2000). BPF_PROG_TEST_RUN runs programs on the loopback device (ifindex 1),
/// so whichever endpoint is registered on ifindex 1 is the sender.
/// </summary>
internal sealed class LxcFixture : IDisposable
{
    public const uint TcActOk = 0, TcActShot = 2, TcActRedirect = 7;
    public const uint IdentityA = 1000, IdentityB = 2000;

    public static readonly EndpointRecord A = new(10, 1, IdentityA, IPAddress.Parse("10.0.1.1"),
        PhysicalAddress.Parse("02-AA-00-00-00-01"), PhysicalAddress.Parse("02-AA-00-00-00-F1"));

    public static readonly EndpointRecord B = new(11, 1, IdentityB, IPAddress.Parse("10.0.1.2"),
        PhysicalAddress.Parse("02-BB-00-00-00-02"), PhysicalAddress.Parse("02-BB-00-00-00-F2"));

    public LxcFixture()
    {
        Collection = DatapathObjects.Lxc().Load();
        Endpoints = new EndpointMap(Collection.GetMap(DatapathObjects.EndpointsMap), Collection.GetMap(DatapathObjects.EndpointsByIfindexMap));
        IpCache = new IpCacheMap(Collection.GetMap(DatapathObjects.IpCacheMap));
        Policies = new PolicyMaps(Collection.GetMap(DatapathObjects.PolicyMap), pinDirectory: null);
        Conntrack = new ConntrackMap(Collection.GetMap(DatapathObjects.CtTcpMap), Collection.GetMap(DatapathObjects.CtAnyMap));
        LoadBalancer = new LoadBalancerMaps(Collection.GetMap(DatapathObjects.LbServicesMap), Collection.GetMap(DatapathObjects.LbBackendsMap),
            Collection.GetMap(DatapathObjects.LbReverseNatMap), Collection.GetMap(DatapathObjects.LbAffinityMap),
            new MaglevTables(Collection.GetMap(DatapathObjects.LbMaglevMap), MaglevTableSize, pinDirectory: null));
        Reader = RingBufferReader.Open(Collection.GetMap(DatapathObjects.EventsMap));
        Endpoints.Upsert(B);
        Endpoints.Upsert(A);
    }

    public Collection Collection { get; }

    public EndpointMap Endpoints { get; }

    public IpCacheMap IpCache { get; }

    public PolicyMaps Policies { get; }

    public ConntrackMap Conntrack { get; }

    /// <summary>The load balancer maps; Maglev tables have the object's default size.</summary>
    public LoadBalancerMaps LoadBalancer { get; }

    public const uint MaglevTableSize = 16381;

    public RingBufferReader Reader { get; }

    public Program FromContainer => Collection.GetProgram(DatapathObjects.FromContainer);

    public Program ToContainer => Collection.GetProgram(DatapathObjects.ToContainer);

    /// <summary>Makes <paramref name="endpoint"/> the sender of the next test runs.</summary>
    public void SendAs(EndpointRecord endpoint) => Endpoints.Upsert(endpoint);

    /// <summary>Opens both endpoints' policy maps with the given entries.</summary>
    public (EndpointPolicyMap A, EndpointPolicyMap B) Policy(
        IEnumerable<(PolicyMapKey Key, bool Deny)> a, IEnumerable<(PolicyMapKey Key, bool Deny)> b)
    {
        var mapA = Policies.Open(A.EndpointId);
        var mapB = Policies.Open(B.EndpointId);
        mapA.Sync(a.ToDictionary(e => e.Key, e => new PolicyMapEntry(e.Deny)));
        mapB.Sync(b.ToDictionary(e => e.Key, e => new PolicyMapEntry(e.Deny)));
        return (mapA, mapB);
    }

    public static (PolicyMapKey, bool) AllowAll(bool egress) => (new PolicyMapKey(0, egress, 0, 0, 0), false);

    public (uint Verdict, byte[] Output, List<FlowEvent> Events) Run(Program program, byte[] packet)
    {
        var output = new byte[packet.Length + 64];
        var result = program.TestRun(packet, output);
        return (result.ReturnValue, output.AsSpan(0, result.PacketOutLength).ToArray(), DrainEvents());
    }

    public List<FlowEvent> DrainEvents() => RecordCollector.Drain<FlowEvent>(Reader);

    /// <summary>Packets counted by tendril_metrics, by (reason, direction), summed over CPUs.</summary>
    public Dictionary<(byte Reason, byte Direction), ulong> Metrics()
    {
        var map = new MetricsMap(Collection.GetMap(DatapathObjects.MetricsMap));
        return map.Read().ToDictionary(c => (c.Reason, c.Direction), c => c.Packets);
    }

    public void Dispose()
    {
        Reader.Dispose();
        Collection.Dispose();
    }
}
