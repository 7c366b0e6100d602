using System.Collections.Immutable;
using Tendril.ControlPlane.Labels;
using Tendril.ControlPlane.Net;

namespace Tendril.ControlPlane.Identities;

/// <summary>
/// Node-local CIDR identities (<c>1 &lt;&lt; 24 | n</c>) for the prefixes policies mention, labelled
/// <c>cidr:&lt;prefix&gt;</c> and <c>reserved:world</c>. The owner (the policy repository) declares the wanted set with
/// <see cref="Sync"/>; numbers of prefixes that stay are kept, new ones get the lowest free number.
/// Thread-safe; <see cref="Changed"/> is raised outside the lock (the ipcache writer listens to it).
/// </summary>
public sealed class CidrIdentityAllocator : IIdentitySource
{
    private readonly object _gate = new();
    private readonly SortedDictionary<uint, Identity> _byId = [];
    private readonly Dictionary<CidrPrefix, Identity> _byPrefix = [];

    /// <inheritdoc/>
    public event EventHandler<IdentityChange>? Changed;

    /// <inheritdoc/>
    public IReadOnlyCollection<Identity> All
    {
        get
        {
            lock (_gate)
                return [.. _byId.Values];
        }
    }

    /// <summary>The label set of the identity of <paramref name="prefix"/>.</summary>
    public static LabelSet LabelsFor(CidrPrefix prefix) =>
        LabelSet.Of(new Label(LabelSources.Cidr, prefix.ToLabelKey(), ""), Label.Reserved("world"));

    /// <summary>Makes the allocated prefixes exactly <paramref name="wanted"/>; returns what changed.</summary>
    public IdentityChange Sync(IEnumerable<CidrPrefix> wanted)
    {
        ArgumentNullException.ThrowIfNull(wanted);
        var want = wanted.ToHashSet();
        var added = ImmutableArray.CreateBuilder<Identity>();
        var removed = ImmutableArray.CreateBuilder<Identity>();
        lock (_gate)
        {
            foreach ((CidrPrefix prefix, Identity identity) in _byPrefix.Where(p => !want.Contains(p.Key)).ToList())
            {
                _byPrefix.Remove(prefix);
                _byId.Remove(identity.Id.Value);
                removed.Add(identity);
            }

            foreach (CidrPrefix prefix in want.Where(p => !_byPrefix.ContainsKey(p)).Order())
            {
                var identity = new Identity(new NumericIdentity(FreeNumber()), LabelsFor(prefix));
                _byPrefix.Add(prefix, identity);
                _byId.Add(identity.Id.Value, identity);
                added.Add(identity);
            }
        }

        var change = new IdentityChange(added.ToImmutable(), removed.ToImmutable());
        if (!change.IsEmpty)
            Changed?.Invoke(this, change);
        return change;
    }

    /// <inheritdoc/>
    public Identity? Lookup(NumericIdentity id)
    {
        lock (_gate)
            return _byId.GetValueOrDefault(id.Value);
    }

    /// <summary>The identity of <paramref name="prefix"/>, or null when no policy mentions it.</summary>
    public Identity? Lookup(CidrPrefix prefix)
    {
        lock (_gate)
            return _byPrefix.GetValueOrDefault(prefix);
    }

    private uint FreeNumber()
    {
        uint candidate = NumericIdentity.LocalScope | 1;
        foreach (uint used in _byId.Keys)
        {
            if (used > candidate)
                break;
            if (used == candidate)
                candidate++;
        }

        if (candidate > NumericIdentity.MaximalLocal)
            throw new InvalidOperationException("the local CIDR identity range is exhausted");
        return candidate;
    }
}
