using Tendril.ControlPlane.Identities;
using Tendril.ControlPlane.Labels;
using Tendril.ControlPlane.Net;
using Tendril.ControlPlane.Selectors;

namespace Tendril.ControlPlane.Tests;

public class IdentityTests
{
    private static readonly LabelSet Web = LabelSet.Parse(["app=web", "k8s:io.kubernetes.pod.namespace=default"]);
    private static readonly LabelSet Db = LabelSet.Parse(["app=db", "k8s:io.kubernetes.pod.namespace=default"]);

    [Theory]
    [InlineData(1u, "host")]
    [InlineData(2u, "world")]
    [InlineData(3u, "unmanaged")]
    [InlineData(4u, "health")]
    [InlineData(5u, "init")]
    [InlineData(6u, "remote-node")]
    [InlineData(7u, "kube-apiserver")]
    [InlineData(8u, "ingress")]
    [InlineData(9u, "world-ipv4")]
    [InlineData(10u, "world-ipv6")]
    public void Reserved_FixedNumbers_CiliumNamesAndLabels(uint number, string name)
    {
        Identity identity = ReservedIdentities.Lookup(new NumericIdentity(number))!;

        Assert.Equal(name, new NumericIdentity(number).ToString());
        Assert.True(identity.Labels.Has("reserved", name));
    }

    [Fact]
    public void Reserved_KubeApiServer_AlsoCarriesRemoteNode()
    {
        Assert.Equal("reserved:kube-apiserver=;reserved:remote-node=;", ReservedIdentities.Lookup(ReservedIdentities.KubeApiServer)!.Labels.Canonical);
    }

    [Fact]
    public void NumericIdentity_Scopes_Classified()
    {
        Assert.True(new NumericIdentity(0).IsUnknown);
        Assert.True(new NumericIdentity(7).IsReserved);
        Assert.True(new NumericIdentity(256).IsCluster);
        Assert.True(new NumericIdentity(NumericIdentity.LocalScope | 5).IsLocal);
        Assert.Equal("256", new NumericIdentity(256).ToString());
    }

    [Fact]
    public void Allocate_SameLabels_SameNumberFrom256()
    {
        var allocator = new InMemoryIdentityAllocator();

        Identity a = allocator.Allocate(Web);
        Identity b = allocator.Allocate(Db);
        Identity again = allocator.Allocate(LabelSet.Parse(["k8s:io.kubernetes.pod.namespace=default", "app=web"]));

        Assert.Equal(256u, a.Id.Value);
        Assert.Equal(257u, b.Id.Value);
        Assert.Equal(a, again);
        Assert.Equal(a, allocator.Lookup(Web));
        Assert.Equal(b, allocator.Lookup(new NumericIdentity(257)));
    }

    [Fact]
    public void Allocate_ReservedLabels_FixedIdentity()
    {
        var allocator = new InMemoryIdentityAllocator();

        Assert.Equal(ReservedIdentities.Host, allocator.Allocate(LabelSet.Of(Label.Reserved("host"))).Id);
        Assert.False(allocator.Release(ReservedIdentities.Host));
    }

    [Fact]
    public void Release_LastReference_RemovesAndRaisesEvent()
    {
        var allocator = new InMemoryIdentityAllocator();
        var changes = new List<IdentityChange>();
        allocator.Changed += (_, c) => changes.Add(c);

        Identity a = allocator.Allocate(Web);
        allocator.Allocate(Web);
        Assert.False(allocator.Release(a.Id));
        Assert.True(allocator.Release(a.Id));

        Assert.Null(allocator.Lookup(Web));
        Assert.Equal(2, changes.Count);
        Assert.Equal(a, Assert.Single(changes[0].Added));
        Assert.Equal(a, Assert.Single(changes[1].Removed));
    }

    [Fact]
    public void Allocate_AfterRelease_ReusesLowestFreeNumber()
    {
        var allocator = new InMemoryIdentityAllocator();
        Identity a = allocator.Allocate(Web);
        allocator.Allocate(Db);
        allocator.Release(a.Id);

        Assert.Equal(256u, allocator.Allocate(LabelSet.Parse(["app=other"])).Id.Value);
    }

    [Fact]
    public void Constructor_Restored_KeepsNumbers()
    {
        var allocator = new InMemoryIdentityAllocator([new Identity(new NumericIdentity(300), Web)]);

        Assert.Equal(300u, allocator.Allocate(Web).Id.Value);
        Assert.Equal(256u, allocator.Allocate(Db).Id.Value);
        Assert.Contains(allocator.All, i => i.Id == ReservedIdentities.World);
    }

    [Fact]
    public void Allocate_RangeExhausted_ThrowsWithReason()
    {
        var allocator = new InMemoryIdentityAllocator(minimum: 256, maximum: 256);
        allocator.Allocate(Web);

        var e = Assert.Throws<InvalidOperationException>(() => allocator.Allocate(Db));
        Assert.Contains("exhausted", e.Message);
    }

    [Fact]
    public void CidrSync_Prefixes_LocalScopeIdentitiesWithCidrAndWorldLabels()
    {
        var allocator = new CidrIdentityAllocator();

        IdentityChange change = allocator.Sync([CidrPrefix.Parse("10.0.0.0/8"), CidrPrefix.Parse("192.168.0.0/16")]);

        Assert.Equal(2, change.Added.Length);
        Identity ten = allocator.Lookup(CidrPrefix.Parse("10.0.0.0/8"))!;
        Assert.Equal(NumericIdentity.LocalScope | 1, ten.Id.Value);
        Assert.Equal("cidr:10.0.0.0/8=;reserved:world=;", ten.Labels.Canonical);
    }

    [Fact]
    public void CidrSync_KeptPrefix_KeepsNumberAndRemovedOnesReported()
    {
        var allocator = new CidrIdentityAllocator();
        allocator.Sync([CidrPrefix.Parse("10.0.0.0/8"), CidrPrefix.Parse("192.168.0.0/16")]);
        uint kept = allocator.Lookup(CidrPrefix.Parse("192.168.0.0/16"))!.Id.Value;

        IdentityChange change = allocator.Sync([CidrPrefix.Parse("192.168.0.0/16")]);

        Assert.Empty(change.Added);
        Assert.Single(change.Removed);
        Assert.Equal(kept, allocator.Lookup(CidrPrefix.Parse("192.168.0.0/16"))!.Id.Value);
        Assert.True(allocator.Sync([CidrPrefix.Parse("192.168.0.0/16")]).IsEmpty);
    }

    [Theory]
    [InlineData("all")]
    [InlineData("world")]
    [InlineData("world-ipv4")]
    [InlineData("world-ipv6")]
    [InlineData("cluster")]
    [InlineData("host")]
    [InlineData("remote-node")]
    [InlineData("kube-apiserver")]
    [InlineData("ingress")]
    [InlineData("init")]
    [InlineData("health")]
    [InlineData("unmanaged")]
    [InlineData("none")]
    public void Entities_Names_RoundTrip(string name)
    {
        Assert.True(Entities.TryParse(name, out Entity entity));
        Assert.Equal(name, Entities.NameOf(entity));
    }

    [Fact]
    public void Entities_Selectors_SelectExpectedReservedIdentities()
    {
        IEnumerable<uint> Selected(Entity e) => ReservedIdentities.All
            .Where(i => Entities.SelectorsFor(e).Any(s => s.Matches(i.Labels))).Select(i => i.Id.Value);

        Assert.Equal([1u], Selected(Entity.Host));
        Assert.Equal([2u, 9u, 10u], Selected(Entity.World));
        Assert.Equal([6u, 7u], Selected(Entity.RemoteNode));
        Assert.Equal([1u, 3u, 4u, 5u, 6u, 7u, 8u], Selected(Entity.Cluster));
        Assert.Empty(Selected(Entity.None));
        Assert.True(Entities.SelectorsFor(Entity.All).Single().IsWildcard);
        Assert.True(Entities.SelectorsFor(Entity.Cluster).Any(s => s.Matches(LabelSet.Parse(["k8s:io.cilium.k8s.policy.cluster=default"]))));
    }

    [Fact]
    public void Entities_Unknown_NotParsed()
    {
        Assert.False(Entities.TryParse("World", out _));
        Assert.False(Entities.TryParse("everything", out _));
    }

    [Fact]
    public void LabelSelector_OverCidrIdentity_ReservedWorldSelects()
    {
        LabelSet cidrIdentity = CidrIdentityAllocator.LabelsFor(CidrPrefix.Parse("8.8.8.0/24"));

        Assert.True(Entities.SelectorsFor(Entity.World).Any(s => s.Matches(cidrIdentity)));
        Assert.False(LabelSelector.MatchLabels(("reserved:host", "")).Matches(cidrIdentity));
    }
}
