using System.Globalization;

namespace Tendril.ControlPlane.Identities;

/// <summary>
/// A security identity number (Cilium's <c>NumericIdentity</c>): 0–255 reserved, 256–65535 cluster identities of
/// cluster 0 (bits 16–23 carry a ClusterMesh cluster ID), scope byte <c>0x01</c> (<c>1 &lt;&lt; 24</c>) for
/// node-local CIDR/FQDN identities.
/// </summary>
public readonly record struct NumericIdentity(uint Value) : IComparable<NumericIdentity>
{
    /// <summary>First cluster-scope identity.</summary>
    public const uint MinimalCluster = 256;

    /// <summary>Last cluster-scope identity of cluster 0.</summary>
    public const uint MaximalCluster = 65535;

    /// <summary>Scope bit of node-local identities.</summary>
    public const uint LocalScope = 1u << 24;

    /// <summary>Largest local-scope identity.</summary>
    public const uint MaximalLocal = LocalScope | 0x00FF_FFFF;

    /// <summary>Bits that travel on the wire (VXLAN VNI).</summary>
    public const int WireBits = 24;

    /// <summary>0: not an identity (also the "any peer" wildcard in policy keys).</summary>
    public bool IsUnknown => Value == 0;

    /// <summary>Reserved range 1–255.</summary>
    public bool IsReserved => Value is > 0 and < MinimalCluster;

    /// <summary>A cluster-scope identity (any cluster ID).</summary>
    public bool IsCluster => Value >= MinimalCluster && Value < LocalScope;

    /// <summary>A node-local (CIDR/FQDN) identity.</summary>
    public bool IsLocal => (Value & 0xFF00_0000) == LocalScope;

    /// <summary>The ClusterMesh cluster ID (bits 16–23).</summary>
    public byte ClusterId => (byte)((Value >> 16) & 0xFF);

    public static implicit operator uint(NumericIdentity id) => id.Value;

    public static explicit operator NumericIdentity(uint value) => new(value);

    public int CompareTo(NumericIdentity other) => Value.CompareTo(other.Value);

    /// <summary>The reserved name (<c>host</c>, <c>world</c>, …) or the decimal number, as Cilium prints identities.</summary>
    public override string ToString() =>
        ReservedIdentities.NameOf(this) ?? Value.ToString(CultureInfo.InvariantCulture);
}
