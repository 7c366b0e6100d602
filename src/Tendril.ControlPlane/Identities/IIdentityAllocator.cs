using Tendril.ControlPlane.Labels;

namespace Tendril.ControlPlane.Identities;

/// <summary>A source of identities that tells when identities appear and disappear.</summary>
public interface IIdentitySource
{
    /// <summary>Every identity currently known, reserved ones included where the source has them.</summary>
    IReadOnlyCollection<Identity> All { get; }

    /// <summary>The identity with this number, or null.</summary>
    Identity? Lookup(NumericIdentity id);

    /// <summary>
    /// Raised after identities appeared or disappeared, outside any lock, on the thread that made the change.
    /// Never raised with an empty change.
    /// </summary>
    event EventHandler<IdentityChange>? Changed;
}

/// <summary>
/// Allocates cluster identities: the same label set always gets the same number while it is in use; numbers come
/// from 256..65535; the reserved label sets (e.g. <c>reserved:host</c>) get their fixed numbers. Allocations are
/// reference-counted: each <see cref="Allocate"/> needs one <see cref="Release"/>. Implementations are thread-safe.
/// </summary>
public interface IIdentityAllocator : IIdentitySource
{
    /// <summary>Allocates (or takes another reference on) the identity of <paramref name="labels"/>.</summary>
    Identity Allocate(LabelSet labels);

    /// <summary>Asynchronous form of <see cref="Allocate"/> for allocators backed by a store.</summary>
    ValueTask<Identity> AllocateAsync(LabelSet labels, CancellationToken cancellationToken = default);

    /// <summary>
    /// Drops one reference; returns true when that was the last one and the identity is gone. Reserved identities
    /// are never released.
    /// </summary>
    bool Release(NumericIdentity id);

    /// <summary>The identity of exactly this label set, or null when none is allocated.</summary>
    Identity? Lookup(LabelSet labels);
}
