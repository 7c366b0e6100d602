using Tendril.ControlPlane.Labels;

namespace Tendril.ControlPlane.Selectors;

/// <summary>
/// Something that selects security identities by their labels: a <see cref="LabelSelector"/> or a
/// <see cref="CidrSelector"/>. Implementations are immutable; two selectors with the same <see cref="Key"/> select
/// the same identities.
/// </summary>
public interface IIdentitySelector
{
    /// <summary>Stable text that identifies the selector (used as cache key and for display).</summary>
    string Key { get; }

    /// <summary>True when the selector selects every identity; the resolver writes identity 0 for it.</summary>
    bool IsWildcard { get; }

    /// <summary>True when an identity with these labels is selected.</summary>
    bool Matches(LabelSet labels);
}
