using System.Collections.Immutable;
using Tendril.ControlPlane.Policy.Model;
using Tendril.ControlPlane.Services.LoadBalancing;
using Tendril.ControlPlane.Services.Model;
using Tendril.Datapath.Maps;
using DatapathFlags = Tendril.Datapath.Abi.ServiceFlags;
using DatapathBackendState = Tendril.Datapath.Abi.BackendState;

namespace Tendril.Agent.Services;

/// <summary>
/// Turns the control plane's <see cref="LoadBalancerState"/> into the datapath's load-balancer maps and back. Writes
/// only the difference between two states, in <see cref="LoadBalancerDiff"/>'s order. The datapath keys Maglev tables
/// by service ID and looks up the external scope only, so only external-scope tables are written. Stateless.
/// </summary>
internal static class LoadBalancerWriter
{
    /// <summary>Writes the entries that differ between <paramref name="from"/> (what the maps hold) and <paramref name="to"/>.</summary>
    public static void Write(LoadBalancerMaps maps, LoadBalancerState from, LoadBalancerState to)
    {
        var diff = LoadBalancerDiff.Compute(from, to);
        if (diff.IsEmpty)
            return;

        // 1-3: backends, reverse NAT and Maglev tables exist before a frontend refers to them.
        if (!diff.Backends.Upserts.IsEmpty)
            maps.UpsertBackends(diff.Backends.Upserts.Select(kv => RecordOf(kv.Key, kv.Value)).ToList());
        foreach (var (id, revNat) in diff.RevNat.Upserts)
            maps.UpsertReverseNat(id, revNat.Address, revNat.Port);
        foreach (var (key, table) in diff.Maglev.Upserts.Where(kv => kv.Key.Scope == FrontendScope.External))
            maps.Maglev.Set(key.ServiceId, table.Items.AsSpan());

        // 4: changed frontends, each slots first, then its master entry, then its surplus slots (LoadBalancerMaps does this per frontend).
        foreach (var key in diff.Services.Upserts.Select(kv => kv.Key.Frontend).Distinct())
        {
            var frontend = to.Frontends[key];
            maps.UpsertService(RecordOf(frontend));
            if (from.Frontends.GetValueOrDefault(key) is { } old && HasAffinity(old) && !HasAffinity(frontend))
                maps.ClearAffinity(old.ServiceId);
        }

        // 5: removed frontends, master entry first.
        foreach (var key in diff.Services.Deletes.Where(k => k.Slot == 0).Select(k => k.Frontend))
        {
            maps.DeleteService(FrontendOf(key));
            if (from.Frontends.GetValueOrDefault(key) is { } old && HasAffinity(old) && !to.ServiceIds.ContainsKey(key.Address))
                maps.ClearAffinity(old.ServiceId);
        }

        // 6-8: nothing refers to these any more.
        foreach (var key in diff.Maglev.Deletes.Where(k => k.Scope == FrontendScope.External))
            maps.Maglev.Remove(key.ServiceId);
        foreach (ushort id in diff.RevNat.Deletes)
            maps.DeleteReverseNat(id);
        if (!diff.Backends.Deletes.IsEmpty)
            maps.DeleteBackends(diff.Backends.Deletes);
    }

    /// <summary>
    /// What the maps hold, as the next <see cref="LoadBalancerState.Compute"/> needs it to keep service IDs, backend
    /// IDs and slot order: frontends (without their service's name), backends, reverse NAT. Maglev tables are left
    /// out, so the next write installs every table again (each replaced whole, atomically).
    /// </summary>
    public static LoadBalancerState Read(LoadBalancerMaps maps, LoadBalancerOptions options)
    {
        var frontends = maps.Services().Select(s => new Frontend(KeyOf(s.Frontend), default, "", s.RevNatIndex, FrontendKind.ClusterIP)
        {
            ActiveBackends = ValueArray.From(s.BackendIds),
        });
        return new LoadBalancerState
        {
            Frontends = frontends.ToImmutableSortedDictionary(f => f.Key, f => f),
            Backends = maps.Backends().ToImmutableSortedDictionary(b => b.Id,
                b => new BackendEntry(new BackendAddress(b.Address, b.Port, (L4Protocol)b.Protocol), (BackendState)(byte)b.State)),
            RevNat = maps.ReverseNat().ToImmutableSortedDictionary(kv => kv.Key, kv => new RevNatEntry(kv.Value.Address, kv.Value.Port)),
            Options = options,
        };
    }

    /// <summary>The datapath's record of a frontend: its flags derived from the control plane's settings.</summary>
    public static ServiceRecord RecordOf(Frontend frontend)
    {
        var flags = DatapathFlags.None;
        if (HasAffinity(frontend))
            flags |= DatapathFlags.SessionAffinity;
        if (frontend.Algorithm == LoadBalancingAlgorithm.Maglev)
            flags |= DatapathFlags.Maglev;
        if (frontend.NoBackendAction == NoBackendAction.Reject)
            flags |= DatapathFlags.RejectWithoutBackends;
        if (frontend.Flags.HasFlag(ServiceFlags.Routable))
            flags |= DatapathFlags.Routable;
        return new ServiceRecord(FrontendOf(frontend.Key), frontend.ServiceId, frontend.ActiveBackends.Items, flags,
            HasAffinity(frontend) ? frontend.AffinityTimeoutSeconds : 0);
    }

    private static bool HasAffinity(Frontend f) => f.Flags.HasFlag(ServiceFlags.SessionAffinity) && f.AffinityTimeoutSeconds > 0;

    private static BackendRecord RecordOf(uint id, BackendEntry backend) =>
        new(id, backend.Address.Address, backend.Address.Port, (byte)backend.Address.Protocol, (DatapathBackendState)(byte)backend.State);

    private static ServiceFrontend FrontendOf(FrontendKey key) =>
        new(key.Address.Address, key.Address.Port, (byte)key.Address.Protocol, (byte)key.Scope);

    private static FrontendKey KeyOf(ServiceFrontend frontend) =>
        new(new FrontendAddress(frontend.Address, frontend.Port, (L4Protocol)frontend.Protocol), (FrontendScope)frontend.Scope);
}
