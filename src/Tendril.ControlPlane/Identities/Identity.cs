using System.Collections.Immutable;
using Tendril.ControlPlane.Labels;

namespace Tendril.ControlPlane.Identities;

/// <summary>A security identity: a number for a set of identity-relevant labels. Immutable.</summary>
public sealed record Identity(NumericIdentity Id, LabelSet Labels)
{
    public override string ToString() => $"{Id.Value} {Labels.Canonical}";
}

/// <summary>Identities that appeared and disappeared in one step. Immutable.</summary>
public sealed record IdentityChange(ImmutableArray<Identity> Added, ImmutableArray<Identity> Removed)
{
    /// <summary>No change.</summary>
    public static IdentityChange None { get; } = new([], []);

    /// <summary>True when nothing changed.</summary>
    public bool IsEmpty => Added.IsEmpty && Removed.IsEmpty;
}
