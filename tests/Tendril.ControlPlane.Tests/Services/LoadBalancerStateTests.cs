using System.Net;
using Tendril.ControlPlane.Services;
using Tendril.ControlPlane.Services.LoadBalancing;
using Tendril.ControlPlane.Services.Model;
using static Tendril.ControlPlane.Tests.Services.ServiceRepositoryTests;

namespace Tendril.ControlPlane.Tests.Services;

public class LoadBalancerStateTests
{
    private static readonly IPAddress[] NodeAddresses = [IPAddress.Parse("192.168.1.10"), IPAddress.Parse("192.168.2.10")];
    private static readonly LoadBalancerOptions Small = new() { MaglevTableSize = 251 };

    private const string NodePortWeb = """
        apiVersion: v1
        kind: Service
        metadata: {name: web}
        spec:
          type: NodePort
          clusterIP: 10.96.0.10
          selector: {app: web}
          ports: [{name: http, port: 80, targetPort: http, nodePort: 30080}]
        """;

    private static LoadBalancerState Compute(ServiceRepository repo, LoadBalancerState? previous = null, LoadBalancerOptions? options = null) =>
        LoadBalancerState.Compute(repo.Snapshot, NodeAddresses, options ?? Small, previous);

    private static Frontend At(LoadBalancerState state, string address, ushort port, FrontendScope scope = FrontendScope.External) =>
        state.Frontends[new FrontendKey(new FrontendAddress(IPAddress.Parse(address), port, Policy.Model.L4Protocol.TCP), scope)];

    [Fact]
    public void Compute_NodePortService_ClusterIPPlusEveryNodeAddressPlusSurrogate()
    {
        LoadBalancerState state = Compute(With(NodePortWeb, Pod("web-1", "10.0.1.1"), Pod("web-2", "10.0.1.2")));
        Assert.Equal(["10.96.0.10:80/TCP", "0.0.0.0:30080/TCP", "192.168.1.10:30080/TCP", "192.168.2.10:30080/TCP"],
            state.Frontends.Values.Select(f => f.Key.Address).OrderBy(a => a.Port).ThenBy(a => a).Select(a => a.ToString()));
        Frontend cluster = At(state, "10.96.0.10", 80);
        Assert.Equal(FrontendKind.ClusterIP, cluster.Kind);
        Assert.Equal(ServiceFlags.None, cluster.Flags);
        Frontend surrogate = At(state, "0.0.0.0", 30080);
        Assert.Equal(FrontendKind.NodePort, surrogate.Kind);
        Assert.Equal(ServiceFlags.NodePort | ServiceFlags.Routable, surrogate.Flags);
        Assert.Equal(2, surrogate.ActiveBackends.Count);
        Assert.Equal(4, state.Frontends.Values.Select(f => f.ServiceId).Distinct().Count());
        Assert.Equal(new RevNatEntry(IPAddress.Parse("10.96.0.10"), 80), state.RevNat[cluster.ServiceId]);
        Assert.Equal(["10.0.1.1:8080/TCP", "10.0.1.2:8080/TCP"], state.Backends.Values.Select(b => b.Address.ToString()));
    }

    [Fact]
    public void Compute_HeadlessService_NoFrontend()
    {
        var repo = With("{apiVersion: v1, kind: Service, metadata: {name: web}, spec: {clusterIP: None, selector: {app: web}}}", Pod("web-1", "10.0.1.1"));
        LoadBalancerState state = Compute(repo);
        Assert.Empty(state.Frontends);
        Assert.Empty(state.Backends);
    }

    [Fact]
    public void Compute_TerminatingBackend_NoSlotButInBackendsMap()
    {
        var repo = With(NodePortWeb, Pod("web-1", "10.0.1.1"), Pod("web-2", "10.0.1.2", terminating: true));
        LoadBalancerState state = Compute(repo);
        Frontend f = At(state, "10.96.0.10", 80);
        uint terminating = state.BackendIds[new BackendAddress(IPAddress.Parse("10.0.1.2"), 8080, Policy.Model.L4Protocol.TCP)];
        Assert.Equal([terminating], f.TerminatingBackends);
        Assert.DoesNotContain(terminating, f.ActiveBackends);
        Assert.Equal(BackendState.Terminating, state.Backends[terminating].State);
        Assert.Equal(1, state.ServiceEntries()[new ServiceMapKey(f.Key, 0)].Count);
    }

    [Fact]
    public void Compute_AffinityAndOptions_FlagsAndMasterEntry()
    {
        var repo = With("""
            apiVersion: v1
            kind: Service
            metadata: {name: web}
            spec:
              clusterIP: 10.96.0.10
              selector: {app: web}
              sessionAffinity: ClientIP
              ports: [{port: 80, targetPort: 8080}]
            """);
        LoadBalancerState state = Compute(repo, options: Small with { NoBackendAction = NoBackendAction.Drop });
        Frontend f = At(state, "10.96.0.10", 80);
        Assert.Equal(ServiceFlags.SessionAffinity, f.Flags);
        Assert.Equal(10800u, f.AffinityTimeoutSeconds);
        ServiceMapValue master = state.ServiceEntries()[new ServiceMapKey(f.Key, 0)];
        Assert.Equal((0, 10800u, NoBackendAction.Drop), ((int)master.Count, master.AffinityTimeoutSeconds, master.NoBackendAction));
    }

    [Fact]
    public void Compute_ExternalTrafficPolicyLocal_TwoScopesExternalOnlyLocal()
    {
        var repo = new ServiceRepository(nodeName: "node-a");
        repo.Apply(ServiceParserTests.ParseOk("""
            apiVersion: v1
            kind: Service
            metadata: {name: ext}
            spec: {type: LoadBalancer, clusterIP: 10.96.0.11, externalTrafficPolicy: Local, ports: [{port: 80, nodePort: 30081}]}
            status: {loadBalancer: {ingress: [{ip: 198.51.100.1}]}}
            ---
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata: {name: ext-1, labels: {kubernetes.io/service-name: ext}}
            addressType: IPv4
            ports: [{port: 8080}]
            endpoints: [{addresses: [10.2.0.1], nodeName: node-a}, {addresses: [10.2.0.2], nodeName: node-b}]
            """));
        LoadBalancerState state = Compute(repo);
        Frontend external = At(state, "198.51.100.1", 80);
        Frontend @internal = At(state, "198.51.100.1", 80, FrontendScope.Internal);
        Assert.Equal(FrontendKind.LoadBalancer, external.Kind);
        Assert.Equal(ServiceFlags.LoadBalancer | ServiceFlags.Routable | ServiceFlags.ExternalLocalScope, external.Flags);
        Assert.Equal(ServiceFlags2.TwoScopes, external.Flags2);
        Assert.Equal((1, 2), (external.ActiveBackends.Count, @internal.ActiveBackends.Count));
        Assert.Equal(external.ServiceId, @internal.ServiceId);
        Assert.Equal(2, At(state, "10.96.0.11", 80).ActiveBackends.Count);
    }

    [Fact]
    public void Compute_AgainWithPrevious_IdsStableAndDiffEmpty()
    {
        var repo = With(NodePortWeb, Pod("web-1", "10.0.1.1"), Pod("web-2", "10.0.1.2"));
        LoadBalancerState first = Compute(repo);
        repo.UpsertPod(Pod("web-3", "10.0.1.3"));
        LoadBalancerState second = Compute(repo, first);
        Assert.All(first.BackendIds, kv => Assert.Equal(kv.Value, second.BackendIds[kv.Key]));
        Assert.All(first.ServiceIds, kv => Assert.Equal(kv.Value, second.ServiceIds[kv.Key]));
        Assert.True(LoadBalancerDiff.Compute(second, Compute(repo, second)).IsEmpty);
    }

    [Fact]
    public void Diff_OneBackendRemoved_MinimalWritesInSafeOrder()
    {
        var repo = With("""
            {apiVersion: v1, kind: Service, metadata: {name: web}, spec: {clusterIP: 10.96.0.10, selector: {app: web}, ports: [{port: 80, targetPort: 8080}]}}
            """, Pod("web-1", "10.0.1.1"), Pod("web-2", "10.0.1.2"), Pod("web-3", "10.0.1.3"), Pod("web-4", "10.0.1.4"));
        LoadBalancerState before = Compute(repo);
        repo.RemovePod(new ServiceKey("default", "web-2"));
        LoadBalancerState after = Compute(repo, before);
        LoadBalancerDiff diff = LoadBalancerDiff.Compute(before, after);

        // Slot 2 gets the last backend, the master's count drops, slot 4 goes, backend 2 goes: nothing else.
        Frontend f = At(after, "10.96.0.10", 80);
        Assert.Equal([1u, 4u, 3u], f.ActiveBackends);
        Assert.Equal([(2, 4u), (0, 0u)], diff.Services.Upserts.Select(u => ((int)u.Key.Slot, u.Value.BackendId)));
        Assert.Equal([4], diff.Services.Deletes.Select(d => (int)d.Slot));
        Assert.Equal([2u], diff.Backends.Deletes.ToArray());
        Assert.Empty(diff.Backends.Upserts);
        Assert.True(diff.RevNat.IsEmpty);
        Assert.Equal(4, diff.Count);
    }

    [Fact]
    public void Diff_BackendAdded_SlotWrittenBeforeMaster()
    {
        var repo = With(NodePortWeb, Pod("web-1", "10.0.1.1"));
        LoadBalancerState before = Compute(repo);
        repo.UpsertPod(Pod("web-2", "10.0.1.2"));
        LoadBalancerDiff diff = LoadBalancerDiff.Compute(before, Compute(repo, before));
        Assert.Single(diff.Backends.Upserts);

        // Four frontends, each: slot 2 then master.
        Assert.Equal(8, diff.Services.Upserts.Length);
        Assert.All(diff.Services.Upserts.Chunk(2), pair => Assert.Equal([2, 0], pair.Select(p => (int)p.Key.Slot)));
        Assert.Empty(diff.Services.Deletes);
    }

    [Fact]
    public void Diff_ServiceDeleted_MasterBeforeSlotsAndBackendsLast()
    {
        var repo = With(NodePortWeb, Pod("web-1", "10.0.1.1"));
        LoadBalancerState before = Compute(repo);
        repo.DeleteService(new ServiceKey("default", "web"));
        LoadBalancerState after = Compute(repo, before);
        LoadBalancerDiff diff = LoadBalancerDiff.Compute(before, after);
        Assert.Equal(8, diff.Services.Deletes.Length);
        Assert.All(diff.Services.Deletes.Chunk(2), pair => Assert.Equal([0, 1], pair.Select(p => (int)p.Slot)));
        Assert.Equal(4, diff.RevNat.Deletes.Length);
        Assert.Single(diff.Backends.Deletes);
        Assert.True(LoadBalancerDiff.Compute(LoadBalancerState.Empty, after).IsEmpty);
    }

    [Fact]
    public void Compute_Maglev_TablesForExternalFrontendsOnly()
    {
        var repo = With(NodePortWeb, Pod("web-1", "10.0.1.1"), Pod("web-2", "10.0.1.2"), Pod("web-3", "10.0.1.3"));
        LoadBalancerState state = Compute(repo, options: Small with { Algorithm = LoadBalancingAlgorithm.Maglev });
        Assert.Equal(LoadBalancingAlgorithm.Random, At(state, "10.96.0.10", 80).Algorithm);
        Frontend node = At(state, "192.168.1.10", 30080);
        Assert.Equal(LoadBalancingAlgorithm.Maglev, node.Algorithm);
        Assert.Equal(3, state.Maglev.Count);
        ValueArray<uint> table = state.Maglev[new MaglevKey(node.ServiceId, FrontendScope.External)];
        Assert.Equal(251, table.Count);
        Assert.Equal(node.ActiveBackends.Order(), table.Distinct().Order());
    }

    [Fact]
    public void Compute_NoNodeAddresses_OnlySurrogate()
    {
        var repo = With(NodePortWeb, Pod("web-1", "10.0.1.1"));
        LoadBalancerState state = LoadBalancerState.Compute(repo.Snapshot, [], Small);
        Assert.Equal(2, state.Frontends.Count);
        Assert.NotNull(At(state, "0.0.0.0", 30080));
    }

    [Fact]
    public void Compute_BadOptions_Rejected()
    {
        Assert.Throws<ArgumentException>(() => LoadBalancerState.Compute(ServiceSnapshot.Empty, [], new LoadBalancerOptions { MaglevTableSize = 1000 }));
    }
}
