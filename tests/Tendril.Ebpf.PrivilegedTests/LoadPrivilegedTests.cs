using Tendril.Tests.Common;
using Tendril.Tests.Common.SelfTest;
using Xunit;

namespace Tendril.Ebpf.PrivilegedTests;

[Trait("Category", "Privileged")]
public sealed class LoadPrivilegedTests
{
    [PrivilegedFact]
    public void PrivilegedLoad_SelfTestObject_LoadsEveryProgramAndMap()
    {
        using var collection = SelfTestObject.Spec().Load();

        Assert.Equal(8, collection.Programs.Count);
        Assert.All(collection.Programs.Values, p => Assert.True(p.Info.Id > 0));
        Assert.Equal(ProgramType.CgroupSockAddr, collection.GetProgram("selftest_connect4").Type);
        Assert.Equal(MapType.RingBuffer, collection.GetMap(SelfTestObject.EventsMap).Type);
    }

    [PrivilegedFact]
    public void PrivilegedLoad_AutoloadOff_SkipsThatProgram()
    {
        var spec = SelfTestObject.Spec();
        spec.Programs["selftest_exec"].Autoload = false;

        using var collection = spec.Load();

        Assert.False(collection.Programs.ContainsKey("selftest_exec"));
        Assert.True(collection.Programs.ContainsKey("selftest_tc"));
    }

    [PrivilegedFact]
    public void PrivilegedLoad_VerifierRejects_ThrowsWithWholeLogAndReasonInMessage()
    {
        var e = Assert.Throws<VerifierException>(() => SelfTestObject.BadSpec().Load());

        Assert.Equal("selftest_unchecked_read", e.ProgramName);
        Assert.Contains("invalid access to packet", e.VerifierLog);
        Assert.Contains("selftest_unchecked_read", e.Message);
        Assert.Contains("outside of the packet", e.Message);
        // libbpf loads line info, so the log points at the C source line.
        Assert.Contains("p[20]", e.VerifierLog);
    }

    [PrivilegedFact]
    public void PrivilegedLoad_MapSizeChangedBeforeLoad_KernelMapHasNewSize()
    {
        var spec = SelfTestObject.Spec();
        spec.Maps[SelfTestObject.HashMap].MaxEntries = 123;
        spec.Maps[SelfTestObject.EventsMap].MaxEntries = 1 << 20;

        using var collection = spec.Load();

        Assert.Equal(123u, collection.GetMap(SelfTestObject.HashMap).Info.MaxEntries);
        Assert.Equal(1u << 20, collection.GetMap(SelfTestObject.EventsMap).Info.MaxEntries);
    }
}
