using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Tendril.Datapath.Maps;

namespace Tendril.Bench;

/// <summary>One ClusterIP service with one backend, as the `services` benchmark loads it.</summary>
internal sealed record SyntheticService(int Index, IPAddress Vip, ushort Port, IPAddress Backend, ushort BackendPort)
{
    /// <summary>Service ID (rev-NAT index) and backend ID in Tendril's maps.</summary>
    public ushort Id => checked((ushort)(Index + 1));
}

/// <summary>
/// The services of a run: service 0 is the one clients call (<see cref="TargetVip"/>:80 → a real server), the others
/// are fillers with their own VIP (10.97.0.0 + i) and a backend each (10.201.0.0 + i, never reached). Written the
/// same way into Tendril's maps and into a kube-proxy-style iptables ruleset. Pure, apart from <see cref="Program"/>.
/// </summary>
internal static class SyntheticServices
{
    public static readonly IPAddress TargetVip = IPAddress.Parse("10.96.0.10");
    public const ushort TargetPort = 80;
    public const ushort BackendPort = 8080;

    public static List<SyntheticService> Create(int count, IPAddress targetBackend)
    {
        var services = new List<SyntheticService>(count) { new(0, TargetVip, TargetPort, targetBackend, BackendPort) };
        for (int i = 1; i < count; i++)
            services.Add(new SyntheticService(i, Offset("10.97.0.0", i), TargetPort, Offset("10.201.0.0", i), BackendPort));
        return services;
    }

    /// <summary>
    /// Writes services [from, to) as the agent would after a full sync: every backend in one batch, then each service's
    /// reverse NAT entry and its slots + master entry (<see cref="LoadBalancerMaps"/>' documented order). Returns the
    /// time the writes took and the number of map entries written.
    /// </summary>
    public static (TimeSpan Elapsed, int Entries) Program(LoadBalancerMaps maps, IReadOnlyList<SyntheticService> services, int from, int to)
    {
        var backends = new List<BackendRecord>(to - from);
        var records = new List<ServiceRecord>(to - from);
        for (int i = from; i < to; i++)
        {
            var s = services[i];
            backends.Add(new BackendRecord(s.Id, s.Backend, s.BackendPort, 6));
            records.Add(new ServiceRecord(new ServiceFrontend(s.Vip, s.Port, 6), s.Id, [s.Id]));
        }
        var watch = Stopwatch.StartNew();
        maps.UpsertBackends(backends);
        foreach (var record in records)
            maps.UpsertReverseNat(record.RevNatIndex, record.Frontend.Address, record.Frontend.Port);
        foreach (var record in records)
            maps.UpsertService(record);
        watch.Stop();
        int entries = backends.Count + records.Sum(r => 2 + r.BackendIds.Count);
        return (watch.Elapsed, entries);
    }

    /// <summary>
    /// The nat table kube-proxy (iptables mode) writes for these services, reduced to what a ClusterIP connection meets:
    /// PREROUTING jumps to KUBE-SERVICES, one rule per service (VIP/32, tcp, dport) jumping to its KUBE-SVC chain, which
    /// jumps to its one KUBE-SEP chain: a KUBE-MARK-MASQ rule for hairpin traffic, then DNAT to the backend. Rules carry
    /// kube-proxy's comments. The target service sits in the middle of KUBE-SERVICES, where a random service would on
    /// average (kube-proxy's order is its map's).
    /// </summary>
    public static string KubeProxyRuleset(IReadOnlyList<SyntheticService> services)
    {
        var order = services.Skip(1).ToList();
        order.Insert(order.Count / 2, services[0]);
        var text = new StringBuilder(services.Count * 400);
        text.Append("*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n")
            .Append(":KUBE-SERVICES - [0:0]\n:KUBE-MARK-MASQ - [0:0]\n");
        foreach (var s in order)
            text.Append(CultureInfo.InvariantCulture, $":KUBE-SVC-{s.Index:X16} - [0:0]\n:KUBE-SEP-{s.Index:X16} - [0:0]\n");
        text.Append("-A PREROUTING -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES\n")
            .Append("-A OUTPUT -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES\n")
            .Append("-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000\n");
        foreach (var s in order)
        {
            string name = $"default/svc-{s.Index}:http";
            text.Append(CultureInfo.InvariantCulture,
                    $"-A KUBE-SERVICES -d {s.Vip}/32 -p tcp -m comment --comment \"{name} cluster IP\" -m tcp --dport {s.Port} -j KUBE-SVC-{s.Index:X16}\n")
                .Append(CultureInfo.InvariantCulture, $"-A KUBE-SVC-{s.Index:X16} -m comment --comment \"{name} -> {s.Backend}:{s.BackendPort}\" -j KUBE-SEP-{s.Index:X16}\n")
                .Append(CultureInfo.InvariantCulture, $"-A KUBE-SEP-{s.Index:X16} -s {s.Backend}/32 -m comment --comment \"{name}\" -j KUBE-MARK-MASQ\n")
                .Append(CultureInfo.InvariantCulture,
                    $"-A KUBE-SEP-{s.Index:X16} -p tcp -m comment --comment \"{name}\" -m tcp -j DNAT --to-destination {s.Backend}:{s.BackendPort}\n");
        }
        text.Append("COMMIT\n");
        return text.ToString();
    }

    /// <summary>An empty nat table, to restore before a timed restore so that it starts from nothing.</summary>
    public const string EmptyNatTable = "*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\nCOMMIT\n";

    /// <summary>
    /// Runs iptables-restore with <paramref name="ruleset"/> inside the namespace (never the caller's own, which may be the
    /// host's) and returns its wall time, process start included.
    /// </summary>
    public static TimeSpan Restore(string netnsPath, string ruleset)
    {
        var watch = Stopwatch.StartNew();
        var (exitCode, output) = ConnectRequest.Run("nsenter", [$"--net={netnsPath}", "--", "iptables-restore", "-w"], ruleset);
        watch.Stop();
        if (exitCode != 0)
            throw new BenchmarkException($"iptables-restore in {netnsPath} failed (exit {exitCode}): {output.Trim()}");
        return watch.Elapsed;
    }

    private static IPAddress Offset(string network, int i)
    {
        uint value = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(IPAddress.Parse(network).GetAddressBytes()) + (uint)i;
        var bytes = new byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return new IPAddress(bytes);
    }
}
