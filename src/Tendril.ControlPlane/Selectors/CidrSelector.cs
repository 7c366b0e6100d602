using System.Collections.Immutable;
using Tendril.ControlPlane.Labels;
using Tendril.ControlPlane.Net;

namespace Tendril.ControlPlane.Selectors;

/// <summary>
/// Selects the CIDR identities (labelled <c>cidr:&lt;prefix&gt;</c>) whose prefix lies inside <see cref="Cidr"/> and
/// not inside any <see cref="Except"/> prefix. A default route (<c>/0</c>) also selects <c>reserved:world</c> and the
/// world identity of its family. CIDR selectors never select pods or the host: their IPs map to their own
/// identities.
/// </summary>
public sealed class CidrSelector : IIdentitySelector, IEquatable<CidrSelector>
{
    public CidrSelector(CidrPrefix cidr, IEnumerable<CidrPrefix>? except = null)
    {
        Cidr = cidr;
        Except = (except ?? []).Distinct().Order().ToImmutableArray();
        Key = Except.IsEmpty ? $"cidr({cidr})" : $"cidr({cidr} except {string.Join(",", Except)})";
    }

    public CidrPrefix Cidr { get; }

    public ImmutableArray<CidrPrefix> Except { get; }

    /// <inheritdoc/>
    public string Key { get; }

    /// <inheritdoc/>
    public bool IsWildcard => false;

    /// <inheritdoc/>
    public bool Matches(LabelSet labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        // The world identities stand for every address no CIDR identity covers; excepted ranges always have
        // their own CIDR identities, so a default route selects world whatever its exceptions.
        if (Cidr.IsDefaultRoute && !labels.FromSource(LabelSources.Cidr).Any()
            && (labels.Has(LabelSources.Reserved, "world") || labels.Has(LabelSources.Reserved, Cidr.IsIPv6 ? "world-ipv6" : "world-ipv4")))
            return true;

        foreach (Label label in labels.FromSource(LabelSources.Cidr))
        {
            if (CidrPrefix.TryParseLabelKey(label.Key, out CidrPrefix prefix) && Cidr.Contains(prefix)
                && !Except.Any(e => e.Contains(prefix)))
                return true;
        }

        return false;
    }

    public bool Equals(CidrSelector? other) => other is not null && Key == other.Key;

    public override bool Equals(object? obj) => obj is CidrSelector other && Equals(other);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Key);

    public override string ToString() => Key;
}
