using System.Collections.Immutable;
using System.Net;
using Tendril.ControlPlane.Services.Allocation;
using Tendril.ControlPlane.Services.Maglev;
using Tendril.ControlPlane.Services.Model;

namespace Tendril.ControlPlane.Services.LoadBalancing;

/// <summary>
/// One computation of <see cref="LoadBalancerState"/>. Frontends come from each service port: the cluster IP, each
/// external IP and load-balancer IP on the service port, and each node address plus 0.0.0.0 on the node port. When
/// two services claim the same frontend (only possible through node addresses, the repository rejects the rest) the
/// first by (namespace, name) keeps it. Single use, not thread-safe.
/// </summary>
internal sealed class LoadBalancerStateBuilder(LoadBalancerOptions options, LoadBalancerState previous)
{
    private readonly Dictionary<string, ValueArray<uint>> _maglevCache = new(StringComparer.Ordinal);
    private readonly ulong _seed = MaglevTable.SeedFrom(options.MaglevSeed);

    private sealed record Draft(FrontendKey Key, ResolvedService Service, ServicePortBackends Port, FrontendKind Kind,
        IReadOnlyList<ServiceBackend> Backends, ServiceFlags Flags, ServiceFlags2 Flags2);

    public LoadBalancerState Build(ServiceSnapshot services, IEnumerable<IPAddress> nodeAddresses)
    {
        List<IPAddress> nodes = [.. nodeAddresses.Where(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
            .Append(Ipv4.Any).Distinct().OrderBy(Ipv4.ToUInt32)];
        var drafts = new SortedDictionary<FrontendKey, Draft>();
        foreach (ResolvedService service in services.Services.Values)
        {
            if (service.Service.IsHeadless)
                continue;
            foreach (ServicePortBackends port in service.Ports)
                AddFrontends(drafts, service, port, nodes);
        }

        // Backend state across services: active wins (the same pod cannot be both; be safe anyway).
        var backendStates = new SortedDictionary<BackendAddress, BackendState>();
        foreach (ServiceBackend b in drafts.Values.SelectMany(d => d.Backends))
        {
            backendStates[b.Backend] = backendStates.TryGetValue(b.Backend, out BackendState s) && s == BackendState.Active
                ? BackendState.Active
                : b.State;
        }

        Dictionary<BackendAddress, uint> backendIds = StableIdAllocator.Assign(backendStates.Keys, previous.BackendIds, 1, uint.MaxValue, "backend");
        Dictionary<FrontendAddress, uint> serviceIds = StableIdAllocator.Assign(drafts.Keys.Select(k => k.Address),
            previous.ServiceIds.ToDictionary(kv => kv.Key, kv => (uint)kv.Value), 1, ushort.MaxValue, "service");

        var frontends = ImmutableSortedDictionary.CreateBuilder<FrontendKey, Frontend>();
        var revNat = ImmutableSortedDictionary.CreateBuilder<ushort, RevNatEntry>();
        var maglev = ImmutableSortedDictionary.CreateBuilder<MaglevKey, ValueArray<uint>>();
        foreach (Draft draft in drafts.Values)
        {
            ushort serviceId = (ushort)serviceIds[draft.Key.Address];
            Frontend frontend = Finish(draft, serviceId, backendIds);
            frontends[draft.Key] = frontend;
            revNat[serviceId] = new RevNatEntry(draft.Key.Address.Address, draft.Key.Address.Port);
            if (frontend.Algorithm == LoadBalancingAlgorithm.Maglev && !frontend.ActiveBackends.IsEmpty)
                maglev[new MaglevKey(serviceId, draft.Key.Scope)] = Reusable(frontend) ?? MaglevFor(draft, backendIds);
        }

        return new LoadBalancerState
        {
            Frontends = frontends.ToImmutable(),
            Backends = ImmutableSortedDictionary.CreateRange(backendStates.Select(kv =>
                KeyValuePair.Create(backendIds[kv.Key], new BackendEntry(kv.Key, kv.Value)))),
            RevNat = revNat.ToImmutable(),
            Maglev = maglev.ToImmutable(),
            Options = options,
        };
    }

    private static void AddFrontends(SortedDictionary<FrontendKey, Draft> drafts, ResolvedService service, ServicePortBackends port,
        List<IPAddress> nodes)
    {
        Service s = service.Service;
        ServicePort p = port.Port;
        if (s.ClusterIP is { } clusterIP)
            Add(drafts, service, port, new FrontendAddress(clusterIP, p.Port, p.Protocol), FrontendKind.ClusterIP);
        foreach (IPAddress ip in s.ExternalIPs)
            Add(drafts, service, port, new FrontendAddress(ip, p.Port, p.Protocol), FrontendKind.ExternalIP);
        foreach (IPAddress ip in s.LoadBalancerIPs)
            Add(drafts, service, port, new FrontendAddress(ip, p.Port, p.Protocol), FrontendKind.LoadBalancer);
        if (p.NodePort != 0)
        {
            foreach (IPAddress node in nodes)
                Add(drafts, service, port, new FrontendAddress(node, p.NodePort, p.Protocol), FrontendKind.NodePort);
        }
    }

    // Scopes as in Cilium: a cluster IP has one entry (internal traffic policy applied); an externally reachable
    // frontend has one entry, or two when a traffic policy is Local (external scope per externalTrafficPolicy,
    // internal scope per internalTrafficPolicy).
    private static void Add(SortedDictionary<FrontendKey, Draft> drafts, ResolvedService service, ServicePortBackends port,
        FrontendAddress address, FrontendKind kind)
    {
        Service s = service.Service;
        var external = new FrontendKey(address, FrontendScope.External);
        if (drafts.ContainsKey(external))
            return;
        IReadOnlyList<ServiceBackend> all = port.Backends;
        List<ServiceBackend> local = [.. port.Backends.Where(b => b.IsLocal)];
        bool intLocal = s.InternalTrafficPolicy == TrafficPolicy.Local;
        ServiceFlags kindFlags = kind switch
        {
            FrontendKind.NodePort => ServiceFlags.NodePort | ServiceFlags.Routable,
            FrontendKind.ExternalIP => ServiceFlags.ExternalIP | ServiceFlags.Routable,
            FrontendKind.LoadBalancer => ServiceFlags.LoadBalancer | ServiceFlags.Routable,
            _ => ServiceFlags.None,
        };
        if (s.SessionAffinity == SessionAffinity.ClientIP)
            kindFlags |= ServiceFlags.SessionAffinity;
        ServiceFlags2 intFlag = intLocal ? ServiceFlags2.InternalLocalScope : ServiceFlags2.None;
        if (kind == FrontendKind.ClusterIP)
        {
            drafts[external] = new Draft(external, service, port, kind, intLocal ? local : all, kindFlags, intFlag);
            return;
        }

        bool extLocal = s.ExternalTrafficPolicy == TrafficPolicy.Local;
        if (!extLocal && !intLocal)
        {
            drafts[external] = new Draft(external, service, port, kind, all, kindFlags, ServiceFlags2.None);
            return;
        }

        ServiceFlags extFlags = kindFlags | (extLocal ? ServiceFlags.ExternalLocalScope : ServiceFlags.None);
        drafts[external] = new Draft(external, service, port, kind, extLocal ? local : all, extFlags, intFlag | ServiceFlags2.TwoScopes);
        var internalKey = new FrontendKey(address, FrontendScope.Internal);
        drafts[internalKey] = new Draft(internalKey, service, port, kind, intLocal ? local : all, extFlags, intFlag | ServiceFlags2.TwoScopes);
    }

    private Frontend Finish(Draft draft, ushort serviceId, Dictionary<BackendAddress, uint> backendIds)
    {
        Service s = draft.Service.Service;
        var active = draft.Backends.Where(b => b.State == BackendState.Active).Select(b => backendIds[b.Backend]).ToHashSet();
        var terminating = draft.Backends.Where(b => b.State == BackendState.Terminating).Select(b => backendIds[b.Backend]).Order();
        LoadBalancingAlgorithm algorithm = s.Algorithm
            ?? (draft.Kind == FrontendKind.ClusterIP && !options.MaglevForClusterIP ? LoadBalancingAlgorithm.Random : options.Algorithm);
        return new Frontend(draft.Key, s.Key, draft.Port.Port.Name, serviceId, draft.Kind)
        {
            ActiveBackends = SlotOrder(previous.Frontends.GetValueOrDefault(draft.Key)?.ActiveBackends ?? [], active),
            TerminatingBackends = ValueArray.From(terminating),
            Flags = draft.Flags,
            Flags2 = draft.Flags2,
            AffinityTimeoutSeconds = s.SessionAffinity == SessionAffinity.ClientIP ? (uint)s.AffinityTimeoutSeconds : 0,
            NoBackendAction = options.NoBackendAction,
            Algorithm = algorithm,
        };
    }

    /// <summary>
    /// Keeps the previous slot order: a backend that left is replaced by the last slot's backend (one slot rewritten
    /// instead of every slot after it shifting), and new backends are appended in ID order.
    /// </summary>
    internal static ValueArray<uint> SlotOrder(ValueArray<uint> previousSlots, IReadOnlySet<uint> active)
    {
        var slots = new List<uint>(previousSlots);
        int i = 0;
        while (i < slots.Count)
        {
            if (active.Contains(slots[i]))
            {
                i++;
                continue;
            }

            slots[i] = slots[^1];
            slots.RemoveAt(slots.Count - 1);
        }

        var present = slots.ToHashSet();
        slots.AddRange(active.Where(id => !present.Contains(id)).Order());
        return ValueArray.From(slots);
    }

    // IDs are stable per address, so the same active IDs under the same size and seed mean the same table.
    private ValueArray<uint>? Reusable(Frontend frontend)
    {
        if (previous.Options.MaglevTableSize != options.MaglevTableSize || previous.Options.MaglevSeed != options.MaglevSeed
            || previous.Frontends.GetValueOrDefault(frontend.Key) is not { } old || old.ServiceId != frontend.ServiceId
            || !previous.Maglev.TryGetValue(new MaglevKey(old.ServiceId, old.Key.Scope), out ValueArray<uint> table)
            || !old.ActiveBackends.ToHashSet().SetEquals(frontend.ActiveBackends))
            return null;
        return table;
    }

    // Maglev backends are named by address so every node builds the same table; equal backend sets share a table.
    private ValueArray<uint> MaglevFor(Draft draft, Dictionary<BackendAddress, uint> backendIds)
    {
        List<BackendAddress> active = [.. draft.Backends.Where(b => b.State == BackendState.Active).Select(b => b.Backend)];
        List<string> names = [.. active.Select(b => b.ToString()).Order(StringComparer.Ordinal)];
        string cacheKey = string.Join(',', names);
        if (_maglevCache.TryGetValue(cacheKey, out ValueArray<uint> cached))
            return cached;
        var byName = active.ToDictionary(b => b.ToString(), b => backendIds[b], StringComparer.Ordinal);
        int[] table = MaglevTable.Build([.. names.Select(n => new MaglevBackend(n))], options.MaglevTableSize, _seed);
        var ids = new uint[table.Length];
        for (int i = 0; i < table.Length; i++)
            ids[i] = byName[names[table[i]]];
        ValueArray<uint> result = ValueArray.Create<uint>(ids);
        _maglevCache[cacheKey] = result;
        return result;
    }
}
