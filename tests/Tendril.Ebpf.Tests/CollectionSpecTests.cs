using Tendril.Tests.Common.SelfTest;
using Xunit;

namespace Tendril.Ebpf.Tests;

// Opening an object only parses the ELF; no kernel object is created, so these run without root.
public class CollectionSpecTests
{
    [Fact]
    public void FromResource_SelfTestObject_ListsMapsWithTypesAndSizes()
    {
        var spec = SelfTestObject.Spec();

        Assert.Equal(MapType.RingBuffer, spec.Maps[SelfTestObject.EventsMap].Type);
        Assert.Equal(256u * 1024, spec.Maps[SelfTestObject.EventsMap].MaxEntries);
        var hash = spec.Maps[SelfTestObject.HashMap];
        Assert.Equal((MapType.Hash, 4u, 16u, 65536u), (hash.Type, hash.KeySize, hash.ValueSize, hash.MaxEntries));
        Assert.Equal(MapType.LpmTrie, spec.Maps[SelfTestObject.LpmMap].Type);
        Assert.Equal(1u, spec.Maps[SelfTestObject.LpmMap].Flags);
        Assert.Contains(spec.Maps.Values, m => m.IsInternal && m.Name.EndsWith(".rodata", StringComparison.Ordinal));
    }

    [Fact]
    public void FromResource_SelfTestObject_ListsProgramsWithTypesAndAttachTypes()
    {
        var spec = SelfTestObject.Spec();

        Assert.Equal(ProgramType.SchedCls, spec.Programs["selftest_tc"].Type);
        Assert.Equal(ProgramType.Xdp, spec.Programs["selftest_xdp"].Type);
        Assert.Equal(ProgramType.Tracepoint, spec.Programs["selftest_exec"].Type);
        Assert.Equal(AttachType.CgroupInet4Connect, spec.Programs["selftest_connect4"].ExpectedAttachType);
        Assert.Equal(AttachType.CgroupUdp4Recvmsg, spec.Programs["selftest_recvmsg4"].ExpectedAttachType);
        Assert.Equal(AttachType.CgroupInetSockCreate, spec.Programs["selftest_sock_create"].ExpectedAttachType);
        Assert.Equal("cgroup/getpeername4", spec.Programs["selftest_getpeername4"].SectionName);
    }

    [Fact]
    public void SetGlobal_ReadOnlyConfig_IsReadBack()
    {
        var spec = SelfTestObject.Spec();
        var global = spec.Globals[SelfTestObject.MatchPortGlobal];
        Assert.True(global.IsReadOnly);
        Assert.Equal(2, global.Size);

        spec.SetGlobal<ushort>(SelfTestObject.MatchPortGlobal, 5201);

        Assert.Equal((ushort)5201, spec.GetGlobal<ushort>(SelfTestObject.MatchPortGlobal));
        Assert.Equal((ushort)0, SelfTestObject.Spec().GetGlobal<ushort>(SelfTestObject.MatchPortGlobal));
    }

    [Fact]
    public void SetGlobal_WrongSize_ThrowsNamingBothSizes()
    {
        var spec = SelfTestObject.Spec();

        var e = Assert.Throws<ArgumentException>(() => spec.SetGlobal(SelfTestObject.MatchPortGlobal, 5201u));

        Assert.Contains("2 bytes", e.Message);
        Assert.Contains("UInt32 is 4", e.Message);
    }

    [Fact]
    public void SetGlobal_UnknownName_ThrowsListingKnownGlobals()
    {
        var e = Assert.Throws<KeyNotFoundException>(() => SelfTestObject.Spec().SetGlobal("cfg_nope", 1));

        Assert.Contains("cfg_nope", e.Message);
        Assert.Contains(SelfTestObject.MatchPortGlobal, e.Message);
    }

    [Theory]
    [InlineData(3000u)]
    [InlineData(4096u * 3)]
    public void MaxEntries_RingBufferNotPowerOfTwoPages_Throws(uint size)
    {
        var ring = SelfTestObject.Spec().Maps[SelfTestObject.EventsMap];

        var e = Assert.Throws<ArgumentOutOfRangeException>(() => ring.MaxEntries = size);

        Assert.Contains("power of two", e.Message);
    }

    [Fact]
    public void PinMapsUnder_Directory_PinsNamedMapsButNotGlobalData()
    {
        var spec = SelfTestObject.Spec();

        spec.PinMapsUnder("/sys/fs/bpf/example");

        Assert.Equal("/sys/fs/bpf/example/selftest_hash", spec.Maps[SelfTestObject.HashMap].PinPath);
        Assert.All(spec.Maps.Values.Where(m => m.IsInternal), m => Assert.Null(m.PinPath));
    }

    [Fact]
    public void FromBytes_NotAnElfFile_ThrowsLoadExceptionNamingTheObject()
    {
        var e = Assert.Throws<BpfLoadException>(() => CollectionSpec.FromBytes("not an object"u8, "garbage"));

        Assert.Contains("garbage", e.Message);
    }
}
