using Tendril.Datapath.Abi;
using Tendril.Datapath.Maps;
using Tendril.Tests.Common.Layout;
using Xunit;

namespace Tendril.Datapath.Tests;

public class DatapathAbiTests
{
    [Fact]
    public void Check_DatapathMirrors_MatchClangLayout()
    {
        var mirrors = LayoutParity.Mirrors(typeof(FlowEvent).Assembly);
        Assert.Equal(19, mirrors.Count);

        var problems = LayoutParity.Check(mirrors);

        Assert.True(problems.Count == 0, "C#/C layout differences:\n" + string.Join("\n", problems));
    }

    [Fact]
    public void MetricsKey_EveryReasonAndDirection_HasItsOwnSlotInTheObjectsArray()
    {
        var metrics = DatapathObjects.Lxc().Maps[DatapathObjects.MetricsMap];
        var indices = new HashSet<uint>();
        for (int reason = 0; reason < 256; reason++)
        {
            for (byte direction = 0; direction < 4; direction++)
            {
                uint index = new MetricsKey((byte)reason, direction).ToIndex();
                Assert.True(index < metrics.MaxEntries);
                Assert.True(indices.Add(index));
                Assert.Equal(((byte)reason, direction), (MetricsKey.FromIndex(index).Reason, MetricsKey.FromIndex(index).Direction));
            }
        }
        Assert.Equal((Tendril.Ebpf.MapType.PerCpuArray, (uint)MetricsKey.MaxEntries), (metrics.Type, metrics.MaxEntries));
    }

    [Theory]
    [InlineData(0u, (byte)0, (ushort)0, (byte)0, 40u, (ushort)0)]
    [InlineData(1000u, (byte)6, (ushort)0, (byte)0, 48u, (ushort)0)]
    [InlineData(1000u, (byte)6, (ushort)80, (byte)16, 64u, (ushort)0x5000)]
    [InlineData(0u, (byte)6, (ushort)8081, (byte)14, 62u, (ushort)0x901f)]
    [InlineData(0u, (byte)1, (ushort)(8 << 8), (byte)8, 56u, (ushort)0x0008)]
    public void ToAbi_Key_EncodesPrefixLengthAndMaskedNetworkOrderPort(uint identity, byte protocol, ushort port, byte prefix, uint expectedPrefixlen, ushort expectedDport)
    {
        var abi = new PolicyMapKey(identity, Egress: true, protocol, port, prefix).ToAbi();

        Assert.Equal(expectedPrefixlen, abi.Prefixlen);
        Assert.Equal(expectedDport, abi.Dport);
        Assert.Equal(1, abi.Egress);
    }

    [Fact]
    public void ToAbi_PortWithoutProtocol_Throws() =>
        Assert.Throws<ArgumentException>(() => new PolicyMapKey(0, false, 0, 80, 16).ToAbi());

    [Fact]
    public void FromAbi_RoundTrip_KeepsTheKey()
    {
        var key = new PolicyMapKey(4242, false, 17, 8080, 14);

        Assert.Equal(key, PolicyMapKey.FromAbi(key.ToAbi()));
        Assert.Equal("Ingress: 4242 8080/14/17", key.ToString());
    }
}
