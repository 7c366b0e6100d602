using System.Collections.Immutable;
using System.Net;
using Tendril.ControlPlane.Services.Model;

namespace Tendril.ControlPlane.Services.LoadBalancing;

/// <summary>
/// The content of the load-balancer maps, computed from the services: frontends (services map), backends, reverse
/// NAT and Maglev tables. A pure function of (services, node addresses, options, previous state): the previous
/// state only keeps IDs and slot order stable. Write it with <see cref="LoadBalancerDiff.Compute"/> against what is
/// in the maps. Immutable and thread-safe.
/// </summary>
public sealed record LoadBalancerState
{
    /// <summary>No frontend, no backend.</summary>
    public static LoadBalancerState Empty { get; } = new();

    /// <summary>Every frontend entry, by (address, port, protocol, scope).</summary>
    public ImmutableSortedDictionary<FrontendKey, Frontend> Frontends { get; init; } = ImmutableSortedDictionary<FrontendKey, Frontend>.Empty;

    /// <summary>The backends map: backend ID → address and state (active and terminating backends).</summary>
    public ImmutableSortedDictionary<uint, BackendEntry> Backends { get; init; } = ImmutableSortedDictionary<uint, BackendEntry>.Empty;

    /// <summary>The reverse-NAT map: service ID → frontend address and port.</summary>
    public ImmutableSortedDictionary<ushort, RevNatEntry> RevNat { get; init; } = ImmutableSortedDictionary<ushort, RevNatEntry>.Empty;

    /// <summary>Maglev tables (backend IDs, table-size long) of the frontends that use Maglev and have active backends.</summary>
    public ImmutableSortedDictionary<MaglevKey, ValueArray<uint>> Maglev { get; init; } = ImmutableSortedDictionary<MaglevKey, ValueArray<uint>>.Empty;

    /// <summary>The options the state was computed with (a new Maglev size or seed rebuilds every table).</summary>
    public LoadBalancerOptions Options { get; init; } = LoadBalancerOptions.Default;

    /// <summary>
    /// Computes the state. <paramref name="nodeAddresses"/> are this node's IPv4 addresses (NodePort frontends are
    /// opened on each, plus the 0.0.0.0 surrogate). <paramref name="previous"/> (the state the maps hold) keeps
    /// service IDs, backend IDs and slot order stable; pass <see cref="Empty"/> or null at first start. Throws
    /// <see cref="InvalidOperationException"/> when IDs run out (65535 frontends).
    /// </summary>
    public static LoadBalancerState Compute(ServiceSnapshot services, IEnumerable<IPAddress> nodeAddresses,
        LoadBalancerOptions? options = null, LoadBalancerState? previous = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(nodeAddresses);
        options ??= LoadBalancerOptions.Default;
        options.Validate();
        return new LoadBalancerStateBuilder(options, previous ?? Empty).Build(services, nodeAddresses);
    }

    /// <summary>The frontends' service IDs, by address (both scopes of a frontend share one).</summary>
    public IReadOnlyDictionary<FrontendAddress, ushort> ServiceIds =>
        Frontends.Values.GroupBy(f => f.Key.Address).ToDictionary(g => g.Key, g => g.First().ServiceId);

    /// <summary>The backend IDs, by backend address.</summary>
    public IReadOnlyDictionary<BackendAddress, uint> BackendIds => Backends.ToDictionary(kv => kv.Value.Address, kv => kv.Key);

    /// <summary>The services map content: each frontend's master entry (slot 0) and its backend slots 1..n.</summary>
    public ImmutableSortedDictionary<ServiceMapKey, ServiceMapValue> ServiceEntries()
    {
        var entries = ImmutableSortedDictionary.CreateBuilder<ServiceMapKey, ServiceMapValue>();
        foreach (Frontend f in Frontends.Values)
        {
            foreach (var (key, value) in EntriesOf(f))
                entries[key] = value;
        }

        return entries.ToImmutable();
    }

    /// <summary>The master entry and the slot entries of one frontend.</summary>
    public static IEnumerable<(ServiceMapKey Key, ServiceMapValue Value)> EntriesOf(Frontend frontend)
    {
        ArgumentNullException.ThrowIfNull(frontend);
        yield return (new ServiceMapKey(frontend.Key, 0), new ServiceMapValue(0, (ushort)frontend.ActiveBackends.Count, frontend.ServiceId)
        {
            Flags = frontend.Flags,
            Flags2 = frontend.Flags2,
            AffinityTimeoutSeconds = frontend.AffinityTimeoutSeconds,
            Algorithm = frontend.Algorithm,
            NoBackendAction = frontend.NoBackendAction,
        });
        for (int i = 0; i < frontend.ActiveBackends.Count; i++)
            yield return (new ServiceMapKey(frontend.Key, (ushort)(i + 1)), new ServiceMapValue(frontend.ActiveBackends[i], 0, frontend.ServiceId));
    }
}
