using System.Collections.Immutable;
using Tendril.ControlPlane.Identities;
using Tendril.ControlPlane.Policy.Model;
using Tendril.ControlPlane.PolicyMap;
using Tendril.ControlPlane.Selectors;

namespace Tendril.ControlPlane.Policy;

/// <summary>
/// Computes an endpoint's <see cref="MapState"/> from the repository's rules and the selector cache (§4.12):
/// peers become identities (identity 0 for "any peer"), ports become port prefixes (ANY = TCP, UDP and SCTP; ranges
/// split into aligned prefixes; ICMP types as <c>type &lt;&lt; 8</c>/8), deny keys are made to win over every overlapping
/// allow, and a direction that is not enforced holds the single allow-all key. Stateless apart from its inputs;
/// thread-safe.
/// </summary>
public sealed class PolicyResolver
{
    private static readonly L4Protocol[] AnyProtocols = [L4Protocol.TCP, L4Protocol.UDP, L4Protocol.SCTP];
    private static readonly TrafficDirection[] Directions = [TrafficDirection.Ingress, TrafficDirection.Egress];

    private readonly PolicyRepository _repository;
    private readonly SelectorCache _selectors;

    public PolicyResolver(PolicyRepository repository, SelectorCache selectors, PolicyResolverOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(repository);
        ArgumentNullException.ThrowIfNull(selectors);
        _repository = repository;
        _selectors = selectors;
        Options = options ?? new PolicyResolverOptions();
    }

    public PolicyResolverOptions Options { get; }

    /// <summary>Resolves <paramref name="endpoint"/> against the repository's current snapshot.</summary>
    public EndpointPolicy Resolve(EndpointInfo endpoint) => Resolve(_repository.Snapshot, endpoint);

    /// <summary>Resolves <paramref name="endpoint"/> against <paramref name="policy"/>.</summary>
    public EndpointPolicy Resolve(PolicySnapshot policy, EndpointInfo endpoint)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(endpoint);
        List<Rule> selected = [.. policy.Rules.Where(r => r.EndpointSelector.Matches(endpoint.Labels))];

        var builder = new MapStateBuilder();
        bool ingressEnforced = false, egressEnforced = false;
        foreach (TrafficDirection direction in Directions)
        {
            bool enforced = Options.Mode switch
            {
                EnforcementMode.Always => true,
                EnforcementMode.Never => false,
                _ => selected.Any(r => r.EnablesDefaultDeny(direction)),
            };
            if (direction == TrafficDirection.Ingress)
                ingressEnforced = enforced;
            else
                egressEnforced = enforced;

            if (Options.Mode == EnforcementMode.Never)
            {
                builder.Allow(PolicyKey.AnyOf(direction));
                continue;
            }

            // An unenforced direction allows everything: one key stands for all allow rules; deny rules still apply.
            if (!enforced)
                builder.Allow(PolicyKey.AnyOf(direction));
            foreach (Rule rule in selected)
            {
                if (enforced)
                {
                    foreach (PeerRule peer in rule.Allows(direction))
                        AddKeys(peer, direction, endpoint, builder.Allow);
                }

                foreach (PeerRule peer in rule.Denies(direction))
                    AddKeys(peer, direction, endpoint, builder.Deny);
            }
        }

        return new EndpointPolicy(
            endpoint.Id,
            policy.Revision,
            builder.Build(ingressEnforced, egressEnforced),
            [.. selected.Select(r => r.Origin).Distinct()],
            [.. selected.SelectMany(r => r.NotEnforced.Select(n => $"{r.Origin}: {n}")).Distinct()]);
    }

    /// <summary>
    /// The endpoints whose policy <paramref name="change"/> may alter: those a changed rule (old or new) selects,
    /// and those selected by a current rule that uses a selector whose identities changed. Only these need
    /// resolving again.
    /// </summary>
    public ImmutableArray<EndpointInfo> AffectedEndpoints(PolicyChange change, IEnumerable<EndpointInfo> endpoints)
    {
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(endpoints);
        List<Rule> rules = [.. change.AddedRules, .. change.RemovedRules];
        if (!change.ChangedSelectors.IsEmpty)
        {
            var changed = change.ChangedSelectors.Select(s => s.Key).ToHashSet(StringComparer.Ordinal);
            rules.AddRange(_repository.Snapshot.Rules.Where(r =>
                r.PeerRules().Any(p => p.Peer.Selectors(_repository.ClusterName).Any(s => changed.Contains(s.Key)))));
        }

        if (rules.Count == 0)
            return [];
        return [.. endpoints.Where(e => rules.Any(r => r.EndpointSelector.Matches(e.Labels)))];
    }

    private void AddKeys(PeerRule peer, TrafficDirection direction, EndpointInfo endpoint, Action<PolicyKey> add)
    {
        (bool anyPeer, HashSet<uint> identities) = Peers(peer);
        if (!anyPeer && identities.Count == 0)
            return;
        List<(byte Protocol, ushort Port, byte Prefix)> l4 = L4(peer, direction, endpoint);
        IEnumerable<uint> ids = anyPeer ? [0u] : identities;
        foreach (uint id in ids)
        {
            foreach ((byte protocol, ushort port, byte prefix) in l4)
                add(new PolicyKey(id, direction, protocol, port, prefix));
        }
    }

    private (bool AnyPeer, HashSet<uint> Identities) Peers(PeerRule peer)
    {
        var identities = new HashSet<uint>();
        if (peer.SelectsAllPeers)
            return (true, identities);
        foreach (IIdentitySelector selector in peer.Selectors(_repository.ClusterName))
        {
            if (selector.IsWildcard)
                return (true, identities);
            foreach (NumericIdentity id in _selectors.GetSelections(selector))
                identities.Add(id.Value);
        }

        return (false, identities);
    }

    private List<(byte, ushort, byte)> L4(PeerRule peer, TrafficDirection direction, EndpointInfo endpoint)
    {
        if (!peer.HasL4)
            return [(0, 0, 0)];
        var keys = new List<(byte, ushort, byte)>();
        foreach (PortProtocol port in peer.Ports.SelectMany(p => p.Ports))
        {
            L4Protocol[] protocols = port.Protocol == L4Protocol.Any ? AnyProtocols : [port.Protocol];
            if (port.Name is { } name)
            {
                IEnumerable<NamedPort> candidates = direction == TrafficDirection.Ingress
                    ? endpoint.NamedPorts
                    : Options.ClusterNamedPorts?.GetValueOrDefault(name) ?? [];
                foreach (NamedPort named in candidates.Where(n => n.Name == name && protocols.Contains(n.Protocol)))
                    keys.Add(((byte)named.Protocol, named.Port, 16));
            }
            else if (port.Port == 0)
            {
                keys.AddRange(protocols.Select(p => ((byte)p, (ushort)0, (byte)0)));
            }
            else
            {
                ushort last = port.EndPort > port.Port ? port.EndPort : port.Port;
                foreach ((ushort start, byte prefix) in PortPrefixes.Split(port.Port, last))
                    keys.AddRange(protocols.Select(p => ((byte)p, start, prefix)));
            }
        }

        foreach (IcmpField icmp in peer.Icmps)
            keys.Add(((byte)icmp.Protocol, (ushort)(icmp.Type << 8), 8));
        return keys;
    }
}
