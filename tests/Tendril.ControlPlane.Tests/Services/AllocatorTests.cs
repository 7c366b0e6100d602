using System.Net;
using Tendril.ControlPlane.Net;
using Tendril.ControlPlane.Policy.Model;
using Tendril.ControlPlane.Services.Allocation;
using Tendril.ControlPlane.Services.Model;

namespace Tendril.ControlPlane.Tests.Services;

public class AllocatorTests
{
    private static ServiceKey Key(string name) => new("default", name);

    [Fact]
    public void ClusterIp_SmallCidr_SkipsNetworkAndBroadcastThenFull()
    {
        var allocator = new ClusterIpAllocator(CidrPrefix.Parse("10.96.0.0/30"));
        Assert.True(allocator.TryAllocate(Key("a"), null, out IPAddress? a, out _));
        Assert.True(allocator.TryAllocate(Key("b"), null, out IPAddress? b, out _));
        Assert.Equal(["10.96.0.1", "10.96.0.2"], new[] { a.ToString(), b.ToString() });
        Assert.False(allocator.TryAllocate(Key("c"), null, out _, out string? error));
        Assert.Contains("is full", error, StringComparison.Ordinal);
    }

    [Fact]
    public void ClusterIp_Released_NotReusedImmediately()
    {
        var allocator = new ClusterIpAllocator(CidrPrefix.Parse("10.96.0.0/24"));
        allocator.TryAllocate(Key("a"), null, out IPAddress? a, out _);
        allocator.Release(Key("a"));
        allocator.TryAllocate(Key("b"), null, out IPAddress? b, out _);
        Assert.NotEqual(a, b);
    }

    [Fact]
    public void ClusterIp_CloneChanged_OriginalUntouched()
    {
        var allocator = new ClusterIpAllocator(CidrPrefix.Parse("10.96.0.0/24"));
        ClusterIpAllocator copy = allocator.Clone();
        copy.TryAllocate(Key("a"), null, out _, out _);
        Assert.Equal(0, allocator.Count);
        Assert.Equal(1, copy.Count);
    }

    [Fact]
    public void ClusterIp_RestoreConflicting_Rejected()
    {
        var allocator = new ClusterIpAllocator(CidrPrefix.Parse("10.96.0.0/24"));
        var rejected = allocator.Restore([
            new ClusterIpAllocation(Key("a"), IPAddress.Parse("10.96.0.5")),
            new ClusterIpAllocation(Key("b"), IPAddress.Parse("10.96.0.5")),
            new ClusterIpAllocation(Key("c"), IPAddress.Parse("10.1.0.5")),
        ]);
        Assert.Equal(["b", "c"], rejected.Select(r => r.Service.Name));
        Assert.Equal(IPAddress.Parse("10.96.0.5"), allocator.Lookup(Key("a")));
    }

    [Fact]
    public void NodePort_SameServiceTwoProtocols_SharesNumberOtherServiceRefused()
    {
        var allocator = new NodePortAllocator(30000, 30010);
        Assert.True(allocator.TryAllocate(new NodePortOwner(Key("dns"), 53, L4Protocol.UDP), 30005, out _, out _));
        Assert.True(allocator.TryAllocate(new NodePortOwner(Key("dns"), 53, L4Protocol.TCP), 30005, out _, out _));
        Assert.False(allocator.TryAllocate(new NodePortOwner(Key("web"), 80, L4Protocol.TCP), 30005, out _, out string? error));
        Assert.Contains("already allocated to service default/dns", error, StringComparison.Ordinal);

        allocator.ReleaseAll(Key("dns"));
        Assert.Empty(allocator.Allocations);
    }

    [Fact]
    public void NodePort_RangeExhausted_ClearError()
    {
        var allocator = new NodePortAllocator(30000, 30001);
        allocator.TryAllocate(new NodePortOwner(Key("a"), 1, L4Protocol.TCP), 0, out _, out _);
        allocator.TryAllocate(new NodePortOwner(Key("b"), 1, L4Protocol.TCP), 0, out _, out _);
        Assert.False(allocator.TryAllocate(new NodePortOwner(Key("c"), 1, L4Protocol.TCP), 0, out _, out string? error));
        Assert.Contains("30000-30001 is full", error, StringComparison.Ordinal);
    }

    [Fact]
    public void StableIds_KeysKeepIdsAndNewOnesAvoidFreedIds()
    {
        var first = StableIdAllocator.Assign(["a", "b", "c"], new Dictionary<string, uint>(), 1, 100, "test");
        Assert.Equal([1u, 2u, 3u], new[] { first["a"], first["b"], first["c"] });

        // "b" leaves and "d" arrives in the same step: d must not take b's ID 2.
        var second = StableIdAllocator.Assign(["a", "c", "d"], first, 1, 100, "test");
        Assert.Equal((1u, 3u, 4u), (second["a"], second["c"], second["d"]));
    }

    [Fact]
    public void StableIds_RangeExhausted_Throws()
    {
        var ex = Assert.Throws<InvalidOperationException>(() =>
            StableIdAllocator.Assign(["a", "b", "c"], new Dictionary<string, uint>(), 1, 2, "service"));
        Assert.Contains("no free service ID", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StableIds_OnlyFreedIdsLeft_Reused()
    {
        var first = StableIdAllocator.Assign(["a", "b"], new Dictionary<string, uint>(), 1, 2, "test");
        var second = StableIdAllocator.Assign(["a", "c"], first, 1, 2, "test");
        Assert.Equal((first["a"], first["b"]), (second["a"], second["c"]));
    }
}
