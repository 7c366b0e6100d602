using System.Collections.Immutable;
using Tendril.ControlPlane.Services.Model;

namespace Tendril.ControlPlane.Services;

/// <summary>A service with its cluster IP and node ports allocated, and the backends of each port. Immutable, compared by value.</summary>
public sealed record ResolvedService(Service Service, ValueArray<ServicePortBackends> Ports)
{
    public ServiceKey Key => Service.Key;
}

/// <summary>An immutable view of the <see cref="ServiceRepository"/> at one revision.</summary>
/// <param name="Revision">Bumped by every change of services, slices or pods that changes a service.</param>
/// <param name="Services">Every service, resolved, by key.</param>
/// <param name="Slices">Every EndpointSlice, by its own key.</param>
/// <param name="Pods">This node's pods, by key.</param>
public sealed record ServiceSnapshot(
    long Revision,
    ImmutableSortedDictionary<ServiceKey, ResolvedService> Services,
    ImmutableSortedDictionary<ServiceKey, EndpointSlice> Slices,
    ImmutableSortedDictionary<ServiceKey, PodInfo> Pods)
{
    public static ServiceSnapshot Empty { get; } = new(0, ImmutableSortedDictionary<ServiceKey, ResolvedService>.Empty,
        ImmutableSortedDictionary<ServiceKey, EndpointSlice>.Empty, ImmutableSortedDictionary<ServiceKey, PodInfo>.Empty);
}

/// <summary>
/// What one repository operation changed: the services whose definition or backends differ (added, changed or
/// removed). Recompute the load-balancer state when it is not empty. Immutable.
/// </summary>
public sealed record ServiceChange(long Revision)
{
    public ImmutableArray<ServiceKey> Affected { get; init; } = [];

    public bool IsEmpty => Affected.IsEmpty;

    /// <summary>Both changes together (the later revision).</summary>
    public ServiceChange Merge(ServiceChange other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return new ServiceChange(Math.Max(Revision, other.Revision)) { Affected = [.. Affected.Union(other.Affected).Order()] };
    }
}

/// <summary>The result of applying an import: the change, or the errors (and nothing applied). Immutable.</summary>
public sealed record ServiceApplyResult(ServiceChange Change, ImmutableArray<Parsing.ServiceError> Errors)
{
    public bool Succeeded => Errors.IsEmpty;
}
