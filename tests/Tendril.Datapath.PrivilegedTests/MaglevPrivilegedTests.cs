using System.Net;
using Tendril.ControlPlane.Services.Maglev;
using Tendril.Datapath.Abi;
using Tendril.Datapath.Maps;
using Tendril.Tests.Common;
using Tendril.Tests.Common.Packets;
using Xunit;
using static Tendril.Datapath.PrivilegedTests.LxcFixture;
using static Tendril.Datapath.PrivilegedTests.ServiceLbPrivilegedTests;

namespace Tendril.Datapath.PrivilegedTests;

/// <summary>
/// Maglev end to end: tables computed by the control plane, written to the datapath's maps, and backends chosen by
/// tendril_from_container for new connections (BPF_PROG_TEST_RUN). Service 10.96.0.20:80 (ID 7) over five remote
/// backends 10.0.9.1-5:8080.
/// </summary>
[Trait("Category", "Privileged")]
public sealed class MaglevPrivilegedTests
{
    private const ushort RevNat = 7;
    private const int Flows = 2000;
    private static readonly ServiceFrontend Frontend = new(IPAddress.Parse("10.96.0.20"), 80, PacketBuilder.Tcp);

    private static readonly BackendRecord[] Backends = Enumerable.Range(1, 5)
        .Select(i => new BackendRecord((uint)i, IPAddress.Parse($"10.0.9.{i}"), 8080, PacketBuilder.Tcp))
        .ToArray();

    [PrivilegedFact]
    public void PrivilegedFromContainer_MaglevBackendRemoved_OnlyItsFlowsAndAFewOthersMove()
    {
        using var lxc = new LxcFixture();
        lxc.Policy([AllowAll(true)], []);
        lxc.LoadBalancer.UpsertBackends(Backends);
        lxc.LoadBalancer.UpsertReverseNat(RevNat, Frontend.Address, Frontend.Port);
        Program(lxc, Backends);

        var before = ChooseAll(lxc);
        var removed = Backends[2];
        lxc.Conntrack.Flush();
        Program(lxc, Backends.Where(b => b != removed).ToArray());
        var after = ChooseAll(lxc);

        // Maglev spreads new connections evenly: 20 % each, give or take the hash's noise over 2,000 flows.
        var share = before.GroupBy(a => a).ToDictionary(g => g.Key, g => g.Count() / (double)Flows);
        Assert.Equal(Backends.Select(b => b.Address).ToHashSet(), share.Keys.ToHashSet());
        Assert.All(share, s => Assert.InRange(s.Value, 0.12, 0.28));

        // Consistent hashing: every flow of the removed backend moves, and few of the others do.
        var moved = Enumerable.Range(0, Flows).Count(i => !before[i].Equals(after[i]));
        Assert.DoesNotContain(removed.Address, after);
        Assert.All(Enumerable.Range(0, Flows).Where(i => before[i].Equals(removed.Address)), i => Assert.NotEqual(removed.Address, after[i]));
        Assert.InRange(moved / (double)Flows, 0, 1.0 / Backends.Length + 0.05);
    }

    /// <summary>The table over <paramref name="backends"/> (by name, as the control plane sorts them), then the service.</summary>
    private static void Program(LxcFixture lxc, BackendRecord[] backends)
    {
        var named = backends.OrderBy(b => b.Address.ToString(), StringComparer.Ordinal).ToArray();
        var owners = MaglevTable.Build(named.Select(b => new MaglevBackend(b.Address.ToString())).ToList(),
            (int)MaglevTableSize, MaglevTable.SeedFrom(MaglevTable.DefaultSeed));
        lxc.LoadBalancer.Maglev.Set(RevNat, owners.Select(i => named[i].Id).ToArray());
        lxc.LoadBalancer.UpsertService(new ServiceRecord(Frontend, RevNat, backends.Select(b => b.Id).ToList(), ServiceFlags.Maglev));
    }

    /// <summary>The backend each of the test's client ports was sent to, as a new connection (a SYN).</summary>
    private static IPAddress[] ChooseAll(LxcFixture lxc)
    {
        var chosen = new IPAddress[Flows];
        for (int i = 0; i < Flows; i++)
        {
            var (verdict, output, _) = lxc.Run(lxc.FromContainer,
                Packet(PacketBuilder.Tcp, A.Address.ToString(), (ushort)(20000 + i), Frontend.Address.ToString(), Frontend.Port));
            Assert.Equal(TcActOk, verdict);
            chosen[i] = Destination(output).Address;
        }
        return chosen;
    }
}
