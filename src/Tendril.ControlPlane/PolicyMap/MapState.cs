using System.Collections.Immutable;
using System.Collections.ObjectModel;

namespace Tendril.ControlPlane.PolicyMap;

/// <summary>
/// The complete content of one endpoint's policy map plus, per direction, whether policy is enforced (the CLI shows
/// it). Immutable; safe to share between threads.
/// </summary>
public sealed class MapState
{
    // Never mutated after construction; a plain dictionary is several times faster to probe than an immutable one.
    private readonly Dictionary<PolicyKey, PolicyEntry> _entries;
    private ImmutableArray<KeyValuePair<PolicyKey, PolicyEntry>> _sorted;

    public MapState(IEnumerable<KeyValuePair<PolicyKey, PolicyEntry>> entries, bool ingressEnforced, bool egressEnforced)
    {
        ArgumentNullException.ThrowIfNull(entries);
        _entries = [];
        foreach ((PolicyKey key, PolicyEntry entry) in entries)
            _entries[key] = entry;
        Entries = new ReadOnlyDictionary<PolicyKey, PolicyEntry>(_entries);
        IngressEnforced = ingressEnforced;
        EgressEnforced = egressEnforced;
    }

    /// <summary>No entries, nothing enforced (what an endpoint has before its first resolution).</summary>
    public static MapState Empty { get; } = new([], false, false);

    /// <summary>The entries by key.</summary>
    public IReadOnlyDictionary<PolicyKey, PolicyEntry> Entries { get; }

    /// <summary>The entries in <see cref="PolicyKey"/> order (for display and deterministic writes).</summary>
    public ImmutableArray<KeyValuePair<PolicyKey, PolicyEntry>> Sorted =>
        _sorted.IsDefault ? _sorted = [.. _entries.OrderBy(e => e.Key)] : _sorted;

    /// <summary>Number of entries.</summary>
    public int Count => _entries.Count;

    /// <summary>True when ingress is in default deny (an unenforced direction holds the allow-all entry).</summary>
    public bool IngressEnforced { get; }

    /// <summary>True when egress is in default deny.</summary>
    public bool EgressEnforced { get; }

    /// <summary>Whether <paramref name="direction"/> is enforced.</summary>
    public bool IsEnforced(TrafficDirection direction) =>
        direction == TrafficDirection.Ingress ? IngressEnforced : EgressEnforced;

    /// <summary>The entry at exactly <paramref name="key"/>, if any.</summary>
    public PolicyEntry? this[PolicyKey key] => _entries.TryGetValue(key, out PolicyEntry e) ? e : null;

    /// <summary>
    /// What the datapath decides for a packet — the reference implementation of its lookup: one longest-prefix
    /// lookup among the entries of exactly <paramref name="identity"/> (skipped when it is 0) and one among the
    /// identity-0 entries, each finding the entry with the longest protocol+port match; the longer match wins, the
    /// identity-specific one on a tie; no match is a default deny. For ICMP/ICMPv6 pass the ICMP type as
    /// <paramref name="portOrIcmpType"/> (it is looked up as <c>type &lt;&lt; 8</c>, as the datapath does).
    /// </summary>
    public PolicyDecision Decide(uint identity, TrafficDirection direction, byte protocol, ushort portOrIcmpType)
    {
        ushort port = protocol is 1 or 58 ? (ushort)(portOrIcmpType << 8) : portOrIcmpType;
        (PolicyKey Key, PolicyEntry Entry)? specific = identity != 0 ? Lookup(identity, direction, protocol, port) : null;
        (PolicyKey Key, PolicyEntry Entry)? wildcard = Lookup(0, direction, protocol, port);
        (PolicyKey Key, PolicyEntry Entry)? winner =
            specific is { } s && (wildcard is not { } w || s.Key.L4PrefixLength >= w.Key.L4PrefixLength) ? specific : wildcard;
        if (winner is not { } win)
            return new PolicyDecision(PolicyVerdict.DeniedByDefault, PolicyMatchType.None, null);
        return new PolicyDecision(win.Entry.Deny ? PolicyVerdict.DeniedByRule : PolicyVerdict.Allowed,
            PolicyDecision.MatchTypeOf(win.Key), win.Key);
    }

    /// <summary>
    /// The writes that turn <paramref name="old"/> into <paramref name="new"/>: entries to add or update (new key, or
    /// changed value) and keys to delete. Unchanged entries are not listed.
    /// </summary>
    public static MapStateDiff Diff(MapState? old, MapState @new)
    {
        ArgumentNullException.ThrowIfNull(@new);
        old ??= Empty;
        var upserts = @new.Sorted.Where(e => !old._entries.TryGetValue(e.Key, out PolicyEntry prev) || prev != e.Value);
        var deletes = old.Sorted.Where(e => !@new._entries.ContainsKey(e.Key)).Select(e => e.Key);
        return new MapStateDiff([.. upserts], [.. deletes]);
    }

    private (PolicyKey, PolicyEntry)? Lookup(uint identity, TrafficDirection direction, byte protocol, ushort port)
    {
        if (protocol != 0)
        {
            for (int prefix = 16; prefix >= 0; prefix--)
            {
                var key = new PolicyKey(identity, direction, protocol, (ushort)(port & PolicyKey.PortMask(prefix)), (byte)prefix);
                if (_entries.TryGetValue(key, out PolicyEntry entry))
                    return (key, entry);
            }
        }

        var any = new PolicyKey(identity, direction, 0, 0, 0);
        return _entries.TryGetValue(any, out PolicyEntry anyEntry) ? (any, anyEntry) : null;
    }
}

/// <summary>Map writes: entries to add or update, then keys to delete. Immutable.</summary>
public sealed record MapStateDiff(
    ImmutableArray<KeyValuePair<PolicyKey, PolicyEntry>> Upserts,
    ImmutableArray<PolicyKey> Deletes)
{
    /// <summary>True when the map needs no write.</summary>
    public bool IsEmpty => Upserts.IsEmpty && Deletes.IsEmpty;
}
