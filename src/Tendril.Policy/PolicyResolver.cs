using System.Net;

namespace Tendril.Policy;

public enum EnforcementMode
{
    /// <summary>A direction is enforced once a rule selecting the endpoint speaks about it.</summary>
    Default,

    /// <summary>Every endpoint is default-deny both ways.</summary>
    Always,

    /// <summary>Nothing is enforced.</summary>
    Never,
}

/// <summary>A known identity and its labels (source:key=value).</summary>
public sealed record IdentityLabels(uint Id, IReadOnlyList<string> Labels);

/// <summary>
/// Resolves the rules that select an endpoint into its <see cref="MapState"/>. The datapath keeps, of the two lookups
/// (peer identity, any peer), the entry with the longer protocol/port match, the identity-specific one on a tie; so
/// for every allow and deny entry that overlap, the resolver writes a deny at their intersection, which is at least as
/// specific as the allow: deny then wins for every packet a deny rule covers. Pure and thread-safe.
/// </summary>
public static class PolicyResolver
{
    public static readonly IReadOnlyList<IdentityLabels> Reserved =
    [
        new(1, ["reserved:host"]), new(2, ["reserved:world"]), new(3, ["reserved:unmanaged"]), new(4, ["reserved:health"]),
        new(5, ["reserved:init"]), new(6, ["reserved:remote-node"]), new(7, ["reserved:kube-apiserver", "reserved:remote-node"]), new(8, ["reserved:ingress"]),
    ];

    private static readonly byte[] AnyProtocols = [PortRule.Tcp, PortRule.Udp, PortRule.Sctp];

    public static MapState Resolve(IReadOnlyList<PolicyRule> rules, IReadOnlyCollection<string> endpointLabels,
        IReadOnlyCollection<IdentityLabels> identities, IReadOnlyDictionary<IPNetwork, uint> cidrIdentities, EnforcementMode mode)
    {
        var selecting = rules.Where(r => r.Subject.Matches(endpointLabels)).ToList();
        var entries = new Dictionary<MapStateKey, bool>();
        bool ingress = Direction(selecting, egress: false, identities, cidrIdentities, mode, entries);
        bool egress = Direction(selecting, egress: true, identities, cidrIdentities, mode, entries);
        return new MapState(entries, ingress, egress);
    }

    private static bool Direction(List<PolicyRule> selecting, bool egress, IReadOnlyCollection<IdentityLabels> identities,
        IReadOnlyDictionary<IPNetwork, uint> cidrIdentities, EnforcementMode mode, Dictionary<MapStateKey, bool> entries)
    {
        bool enforced = mode switch
        {
            EnforcementMode.Always => true,
            EnforcementMode.Never => false,
            _ => selecting.Any(r => (egress ? r.DefaultDenyEgress : r.DefaultDenyIngress) == true),
        };
        var allows = new HashSet<MapStateKey>();
        var denies = new HashSet<MapStateKey>();
        foreach (var rule in selecting)
        {
            foreach (var peer in egress ? rule.Egress : rule.Ingress)
                allows.UnionWith(Keys(peer, egress, identities, cidrIdentities));
            foreach (var peer in egress ? rule.EgressDeny : rule.IngressDeny)
                denies.UnionWith(Keys(peer, egress, identities, cidrIdentities));
        }
        if (!enforced)
            allows.Add(new MapStateKey(0, egress, 0, 0, 0));
        if (mode == EnforcementMode.Never)
            denies.Clear();
        foreach (var (key, deny) in Combine(allows, denies))
            entries[key] = deny;
        return enforced;
    }

    /// <summary>Allow and deny keys into map entries (true = deny) such that deny wins under the datapath's lookup rule.</summary>
    public static Dictionary<MapStateKey, bool> Combine(IReadOnlyCollection<MapStateKey> allows, IReadOnlyCollection<MapStateKey> denies)
    {
        var entries = new Dictionary<MapStateKey, bool>();
        foreach (var allow in allows)
            entries[allow] = false;
        foreach (var deny in denies)
        {
            entries[deny] = true;
            foreach (var allow in allows)
            {
                if (Intersect(allow, deny) is { } both)
                    entries[both] = true;
            }
        }
        return entries;
    }

    /// <summary>The entries one ingress/egress item produces.</summary>
    internal static IEnumerable<MapStateKey> Keys(PeerRule peer, bool egress, IReadOnlyCollection<IdentityLabels> identities, IReadOnlyDictionary<IPNetwork, uint> cidrIdentities)
    {
        IEnumerable<uint> peers = peer.AnyPeer || !peer.HasPeerFields ? [0u] : Peers(peer, identities, cidrIdentities);
        var l4 = peer.Ports.Count == 0 ? [(Protocol: (byte)0, Port: (ushort)0, Prefix: (byte)0)] : peer.Ports.SelectMany(L4).ToList();
        foreach (uint id in peers.Distinct())
        {
            foreach (var (protocol, port, prefix) in l4)
                yield return new MapStateKey(id, egress, protocol, port, prefix);
        }
    }

    private static IEnumerable<uint> Peers(PeerRule peer, IReadOnlyCollection<IdentityLabels> identities, IReadOnlyDictionary<IPNetwork, uint> cidrIdentities)
    {
        var all = identities.Concat(Reserved).ToList();
        foreach (var selector in peer.Endpoints)
        {
            foreach (var identity in all.Where(i => selector.Matches(i.Labels)))
                yield return identity.Id;
        }
        foreach (var entity in peer.Entities)
        {
            foreach (uint id in Entity(entity, identities, cidrIdentities))
                yield return id;
        }
        foreach (var cidr in peer.Cidrs)
        {
            if (cidr.Cidr.PrefixLength == 0)
                yield return 2;
            foreach (var (prefix, id) in cidrIdentities)
            {
                if (Within(prefix, cidr.Cidr) && !cidr.Except.Any(e => Within(prefix, e)))
                    yield return id;
            }
        }
    }

    private static IEnumerable<uint> Entity(string entity, IReadOnlyCollection<IdentityLabels> identities, IReadOnlyDictionary<IPNetwork, uint> cidrIdentities) => entity switch
    {
        "host" => [1],
        "world" or "world-ipv4" => [2, .. cidrIdentities.Values],
        "unmanaged" => [3],
        "health" => [4],
        "init" => [5],
        "remote-node" => [6],
        "kube-apiserver" => [7],
        "ingress" => [8],
        "cluster" => [1, 3, 4, 5, 6, 7, 8, .. identities.Where(i => i.Labels.Any(l => l.StartsWith("k8s:io.kubernetes.pod.namespace=", StringComparison.Ordinal))).Select(i => i.Id)],
        _ => [],
    };

    private static IEnumerable<(byte Protocol, ushort Port, byte Prefix)> L4(PortRule rule)
    {
        if (rule.IcmpType)
        {
            yield return (PortRule.Icmp, (ushort)(rule.Port << 8), 8);
            yield break;
        }
        foreach (byte protocol in rule.Protocol == 0 ? AnyProtocols : [rule.Protocol])
        {
            if (rule.Port == 0)
                yield return (protocol, 0, 0);
            else
            {
                foreach (var (port, prefix) in PortPrefixes(rule.Port, rule.EndPort))
                    yield return (protocol, port, prefix);
            }
        }
    }

    /// <summary>The fewest aligned power-of-two blocks covering <paramref name="first"/>..<paramref name="last"/>.</summary>
    public static IEnumerable<(ushort Port, byte Prefix)> PortPrefixes(ushort first, ushort last)
    {
        int port = first;
        while (port <= last)
        {
            int size = port == 0 ? 65536 : port & -port;
            while (port + size - 1 > last)
                size >>= 1;
            yield return ((ushort)port, (byte)(16 - int.Log2(size)));
            port += size;
        }
    }

    /// <summary>The key matching exactly the traffic both keys match, or null when they match nothing in common.</summary>
    public static MapStateKey? Intersect(MapStateKey a, MapStateKey b)
    {
        if (a.Egress != b.Egress || (a.Identity != b.Identity && a.Identity != 0 && b.Identity != 0))
            return null;
        uint identity = a.Identity != 0 ? a.Identity : b.Identity;
        if (a.Protocol != b.Protocol && a.Protocol != 0 && b.Protocol != 0)
            return null;
        byte protocol = a.Protocol != 0 ? a.Protocol : b.Protocol;
        if (protocol == 0)
            return new MapStateKey(identity, a.Egress, 0, 0, 0);
        var (portA, lenA) = a.Protocol == 0 ? ((ushort)0, (byte)0) : (a.Port, a.PortPrefix);
        var (portB, lenB) = b.Protocol == 0 ? ((ushort)0, (byte)0) : (b.Port, b.PortPrefix);
        int shorter = Math.Min(lenA, lenB);
        int mask = shorter == 0 ? 0 : 0xffff << (16 - shorter) & 0xffff;
        if ((portA & mask) != (portB & mask))
            return null;
        return lenA >= lenB ? new MapStateKey(identity, a.Egress, protocol, portA, lenA) : new MapStateKey(identity, a.Egress, protocol, portB, lenB);
    }

    /// <summary>
    /// What the datapath decides for a packet, by its own two-lookup rule (bpf/lib/policy.h): true = allowed,
    /// false = denied (by a deny entry or because nothing matched). The reference for tests.
    /// </summary>
    public static bool Decide(MapState state, uint peer, bool egress, byte protocol, ushort port)
    {
        (MapStateKey Key, bool Deny)? Best(uint identity) => state.Entries
            .Where(e => e.Key.Identity == identity && e.Key.Egress == egress && Matches(e.Key, protocol, port))
            .Select(e => ((MapStateKey, bool)?)(e.Key, e.Value))
            .OrderByDescending(e => e!.Value.Item1.L4Prefix).FirstOrDefault();
        var specific = peer == 0 ? null : Best(peer);
        var wildcard = Best(0);
        var winner = specific is { } s && (wildcard is null || s.Key.L4Prefix >= wildcard.Value.Key.L4Prefix) ? specific : wildcard;
        return winner is { Deny: false };
    }

    private static bool Matches(MapStateKey key, byte protocol, ushort port)
    {
        if (key.Protocol == 0)
            return true;
        if (key.Protocol != protocol)
            return false;
        int mask = key.PortPrefix == 0 ? 0 : 0xffff << (16 - key.PortPrefix) & 0xffff;
        return (port & mask) == (key.Port & mask);
    }

    private static bool Within(IPNetwork inner, IPNetwork outer) =>
        inner.PrefixLength >= outer.PrefixLength && outer.Contains(inner.BaseAddress);
}
