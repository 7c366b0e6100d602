using Tendril.ControlPlane.Identities;
using Tendril.ControlPlane.Labels;
using Tendril.ControlPlane.Policy;
using Tendril.ControlPlane.Policy.Model;
using Tendril.ControlPlane.PolicyMap;

namespace Tendril.ControlPlane.Tests;

public class IncrementalTests
{
    private const TrafficDirection In = TrafficDirection.Ingress;

    private readonly PolicyHarness _h = new();
    private readonly EndpointInfo _backend;
    private readonly EndpointInfo _frontend;
    private readonly EndpointInfo _other;
    private readonly List<EndpointInfo> _endpoints;

    public IncrementalTests()
    {
        _backend = _h.Pod(1, "default", ("app", "backend"));
        _frontend = _h.Pod(2, "default", ("app", "frontend"));
        _other = _h.Pod(3, "other", ("app", "backend"));
        _endpoints = [_backend, _frontend, _other];
    }

    private const string AllowFrontend = """
        apiVersion: cilium.io/v2
        kind: CiliumNetworkPolicy
        metadata: {name: allow-frontend}
        spec:
          endpointSelector: {matchLabels: {app: backend}}
          ingress:
          - fromEndpoints: [{matchLabels: {role: client}}]
            toPorts: [{ports: [{port: "80", protocol: TCP}]}]
        """;

    [Fact]
    public void Apply_RuleChange_OnlySelectedEndpointsAffected()
    {
        PolicyChange change = _h.Apply(AllowFrontend);

        Assert.Equal([_backend], _h.Resolver.AffectedEndpoints(change, _endpoints).ToArray());
        Assert.Equal(1, change.Revision);
        Assert.Single(change.AddedRules);
        Assert.Contains(change.AddedSelectors, s => s.Key == "{k8s:io.kubernetes.pod.namespace=default,any:role=client}");
    }

    [Fact]
    public void Apply_NewIdentityMatchingPeer_SelectorChangedAndDiffIsOneEntry()
    {
        _h.Apply(AllowFrontend);
        MapState before = _h.Map(_backend);
        var changes = new List<PolicyChange>();
        _h.Repository.Changed += (_, c) => changes.Add(c);

        EndpointInfo client = _h.Pod(4, "default", ("app", "curl"), ("role", "client"));
        PolicyChange change = Assert.Single(changes);
        MapState after = _h.Map(_backend);
        MapStateDiff diff = MapState.Diff(before, after);

        Assert.Single(change.ChangedSelectors);
        Assert.Equal([_backend], _h.Resolver.AffectedEndpoints(change, [.. _endpoints, client]).ToArray());
        Assert.Equal([new KeyValuePair<PolicyKey, PolicyEntry>(new PolicyKey(client.Identity, In, 6, 80, 16), PolicyEntry.Allow)], diff.Upserts.ToArray());
        Assert.Empty(diff.Deletes);
        Assert.Equal(1, change.Revision);
    }

    [Fact]
    public void Release_IdentityGone_DiffDeletesItsKeysOnly()
    {
        _h.Apply(AllowFrontend);
        EndpointInfo client = _h.Pod(4, "default", ("role", "client"));
        MapState before = _h.Map(_backend);

        _h.Identities.Release(client.Identity);
        MapStateDiff diff = MapState.Diff(before, _h.Map(_backend));

        Assert.Empty(diff.Upserts);
        Assert.Equal([new PolicyKey(client.Identity, In, 6, 80, 16)], diff.Deletes.ToArray());
    }

    [Fact]
    public void Apply_ReplacedPolicyWithNewPort_DiffReplacesOneEntry()
    {
        _h.Apply(AllowFrontend);
        _h.Pod(4, "default", ("role", "client"));
        MapState before = _h.Map(_backend);

        PolicyChange change = _h.Apply(AllowFrontend.Replace("\"80\"", "\"8080\"", StringComparison.Ordinal));
        MapStateDiff diff = MapState.Diff(before, _h.Map(_backend));

        Assert.Equal(2, change.Revision);
        Assert.Single(change.RemovedRules);
        Assert.Single(change.AddedRules);
        Assert.Single(_h.Repository.Snapshot.Rules);
        Assert.Equal(8080, Assert.Single(diff.Upserts).Key.Port);
        Assert.Equal(80, Assert.Single(diff.Deletes).Port);
    }

    [Fact]
    public void Apply_SamePolicyAgain_EmptyDiff()
    {
        _h.Apply(AllowFrontend);
        MapState before = _h.Map(_backend);

        _h.Apply(AllowFrontend);

        Assert.True(MapState.Diff(before, _h.Map(_backend)).IsEmpty);
    }

    [Fact]
    public void Delete_Policy_EndpointBackToAllowAll()
    {
        _h.Apply(AllowFrontend);
        MapState before = _h.Map(_backend);

        PolicyChange change = _h.Repository.Delete(PolicyKind.CiliumNetworkPolicy, "default", "allow-frontend");
        MapState after = _h.Map(_backend);
        MapStateDiff diff = MapState.Diff(before, after);

        Assert.Equal([_backend], _h.Resolver.AffectedEndpoints(change, _endpoints).ToArray());
        Assert.False(after.IngressEnforced);
        Assert.Equal([PolicyKey.AnyOf(In)], diff.Upserts.Select(u => u.Key));
        Assert.Contains(change.RemovedSelectors, s => s.Key.Contains("role=client", StringComparison.Ordinal));
        Assert.Empty(_h.Selectors.Selectors);
    }

    [Fact]
    public void Delete_Missing_NoChangeNoRevision()
    {
        PolicyChange change = _h.Repository.Delete(PolicyKind.NetworkPolicy, "default", "nope");

        Assert.True(change.IsEmpty);
        Assert.Equal(0, _h.Repository.Revision);
    }

    [Fact]
    public void DeleteByLabels_MatchingRulesRemoved()
    {
        _h.Apply(AllowFrontend);
        _h.Apply(AllowFrontend.Replace("allow-frontend", "second", StringComparison.Ordinal));

        PolicyChange change = _h.Repository.DeleteByLabels(LabelSet.Of(Label.K8s(WellKnownLabels.PolicyName, "second")));

        Assert.Single(change.RemovedRules);
        Assert.Equal("allow-frontend", Assert.Single(_h.Repository.Snapshot.Policies).Origin.Name);
    }

    [Fact]
    public void Apply_CidrPolicy_CidrIdentitiesAllocatedAndWorldSelectorChanged()
    {
        _h.Apply("""
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: world}
            spec:
              endpointSelector: {matchLabels: {app: frontend}}
              egress: [{toEntities: [world]}]
            """);
        MapState before = _h.Map(_frontend);

        PolicyChange change = _h.Apply("""
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: cidr}
            spec:
              endpointSelector: {matchLabels: {app: backend}}
              egress: [{toCIDR: [1.1.1.1/32]}]
            """);
        uint cidr = _h.CidrIdentity("1.1.1.1/32");

        Assert.Contains(change.AddedIdentities, i => i.Id.Value == cidr);
        Assert.Contains(change.ChangedSelectors, s => s.Key == "{reserved:world}");
        Assert.Equal([_backend, _frontend], _h.Resolver.AffectedEndpoints(change, _endpoints).ToArray());
        Assert.Equal([new PolicyKey(cidr, TrafficDirection.Egress, 0, 0, 0)], MapState.Diff(before, _h.Map(_frontend)).Upserts.Select(u => u.Key));

        _h.Repository.Delete(PolicyKind.CiliumNetworkPolicy, "default", "cidr");
        Assert.Null(_h.Cidrs.Lookup(Net.CidrPrefix.Parse("1.1.1.1/32")));
    }

    [Fact]
    public void AffectedEndpoints_EmptyChange_None()
    {
        Assert.Empty(_h.Resolver.AffectedEndpoints(new PolicyChange(0), _endpoints));
    }

    [Fact]
    public void Resolve_RevisionRecorded()
    {
        _h.Apply(AllowFrontend);

        Assert.Equal(1, _h.Resolver.Resolve(_backend).Revision);
    }

    [Fact]
    public void Merge_TwoChanges_UnionAndLaterRevision()
    {
        PolicyChange a = _h.Apply(AllowFrontend);
        PolicyChange b = _h.Repository.Delete(PolicyKind.CiliumNetworkPolicy, "default", "allow-frontend");

        PolicyChange merged = a.Merge(b);

        Assert.Equal(2, merged.Revision);
        Assert.Single(merged.AddedRules);
        Assert.Single(merged.RemovedRules);
    }
}
