using System.Collections.Immutable;
using Tendril.ControlPlane.Identities;
using Tendril.ControlPlane.Policy.Model;
using Tendril.ControlPlane.Selectors;

namespace Tendril.ControlPlane.Policy;

/// <summary>
/// What one repository operation changed: rules added and removed (a replaced policy lists its old rules as
/// removed and its new ones as added), selectors that came into or went out of use, selectors whose selected
/// identities changed, and identities that appeared or disappeared. Feed it to
/// <see cref="PolicyResolver.AffectedEndpoints"/>. Immutable.
/// </summary>
public sealed record PolicyChange(long Revision)
{
    public ImmutableArray<Rule> AddedRules { get; init; } = [];

    public ImmutableArray<Rule> RemovedRules { get; init; } = [];

    public ImmutableArray<IIdentitySelector> AddedSelectors { get; init; } = [];

    public ImmutableArray<IIdentitySelector> RemovedSelectors { get; init; } = [];

    /// <summary>Selectors already in use whose set of selected identities changed.</summary>
    public ImmutableArray<IIdentitySelector> ChangedSelectors { get; init; } = [];

    public ImmutableArray<Identity> AddedIdentities { get; init; } = [];

    public ImmutableArray<Identity> RemovedIdentities { get; init; } = [];

    /// <summary>True when no endpoint can be affected.</summary>
    public bool IsEmpty => AddedRules.IsEmpty && RemovedRules.IsEmpty && ChangedSelectors.IsEmpty;

    /// <summary>Both changes together (the later revision), e.g. to batch several before regenerating.</summary>
    public PolicyChange Merge(PolicyChange other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return new PolicyChange(Math.Max(Revision, other.Revision))
        {
            AddedRules = [.. AddedRules, .. other.AddedRules],
            RemovedRules = [.. RemovedRules, .. other.RemovedRules],
            AddedSelectors = [.. AddedSelectors, .. other.AddedSelectors],
            RemovedSelectors = [.. RemovedSelectors, .. other.RemovedSelectors],
            ChangedSelectors = [.. ChangedSelectors, .. other.ChangedSelectors],
            AddedIdentities = [.. AddedIdentities, .. other.AddedIdentities],
            RemovedIdentities = [.. RemovedIdentities, .. other.RemovedIdentities],
        };
    }
}
