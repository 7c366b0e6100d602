namespace Tendril.ControlPlane.PolicyMap;

/// <summary>
/// Collects the allow and deny keys of one endpoint and builds a <see cref="MapState"/> in which deny wins under
/// the datapath's two-lookup rule. For every allow key A and deny key D that overlap, the key of their intersection
/// is written as a deny entry (replacing an allow at the same key). Then, for any packet a deny key covers, the
/// winning entry is a deny: if the longest match were an allow A, the deny at A∩D is at least as specific and is
/// either in the same lookup (so it is A's key itself) or in the identity-specific lookup (which wins ties).
/// Not thread-safe; one builder per resolution.
/// </summary>
internal sealed class MapStateBuilder
{
    private readonly HashSet<PolicyKey> _allows = [];
    private readonly HashSet<PolicyKey> _denies = [];

    public void Allow(PolicyKey key) => _allows.Add(key);

    public void Deny(PolicyKey key) => _denies.Add(key);

    public MapState Build(bool ingressEnforced, bool egressEnforced)
    {
        var entries = new Dictionary<PolicyKey, PolicyEntry>(_allows.Count + _denies.Count);
        foreach (PolicyKey key in _allows)
            entries[key] = PolicyEntry.Allow;
        foreach (PolicyKey key in _denies)
            entries[key] = PolicyEntry.Denied;

        if (_denies.Count > 0)
        {
            // Only denies with the allow's identity (or 0) and protocol (or 0) can overlap it; index them so that
            // the pairing stays near-linear when allows span many identities.
            var byIdentityProtocol = _denies.ToLookup(d => (d.Direction, d.Identity, d.Protocol));
            var byIdentity = _denies.ToLookup(d => (d.Direction, d.Identity));
            var byProtocol = _denies.ToLookup(d => (d.Direction, d.Protocol));
            var byDirection = _denies.ToLookup(d => d.Direction);
            foreach (PolicyKey allow in _allows)
            {
                TrafficDirection dir = allow.Direction;
                IEnumerable<PolicyKey> candidates = (allow.Identity, allow.Protocol) switch
                {
                    (0, 0) => byDirection[dir],
                    (0, byte p) => byProtocol[(dir, p)].Concat(byProtocol[(dir, (byte)0)]),
                    (uint id, 0) => byIdentity[(dir, id)].Concat(byIdentity[(dir, 0u)]),
                    (uint id, byte p) => byIdentityProtocol[(dir, id, p)].Concat(byIdentityProtocol[(dir, id, (byte)0)])
                        .Concat(byIdentityProtocol[(dir, 0u, p)]).Concat(byIdentityProtocol[(dir, 0u, (byte)0)]),
                };
                foreach (PolicyKey deny in candidates)
                {
                    if (allow.Overlaps(deny))
                        entries[allow.Intersect(deny)] = PolicyEntry.Denied;
                }
            }
        }

        return new MapState(entries, ingressEnforced, egressEnforced);
    }
}
