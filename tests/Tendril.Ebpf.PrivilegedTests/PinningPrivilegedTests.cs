using Tendril.Tests.Common;
using Tendril.Tests.Common.SelfTest;
using Xunit;

namespace Tendril.Ebpf.PrivilegedTests;

[Trait("Category", "Privileged")]
public sealed class PinningPrivilegedTests
{
    [PrivilegedFact]
    public void PrivilegedLoad_MapsPinnedByEarlierLoad_ReusesThemWithTheirContents()
    {
        using var pins = new BpfFsDirectory("pin");
        uint firstId;
        {
            var spec = SelfTestObject.Spec();
            spec.PinMapsUnder(pins.Path);
            using var first = spec.Load();
            first.GetMap<uint, SelfTestValue>(SelfTestObject.HashMap).Update(1, new SelfTestValue { Counter = 42 });
            firstId = first.GetMap(SelfTestObject.HashMap).Info.Id;
        }
        Assert.True(File.Exists(pins[SelfTestObject.HashMap]));

        var again = SelfTestObject.Spec();
        again.PinMapsUnder(pins.Path);
        using var second = again.Load();

        var map = second.GetMap<uint, SelfTestValue>(SelfTestObject.HashMap);
        Assert.Equal(firstId, map.Raw.Info.Id);
        Assert.Equal(42ul, map.Lookup(1).Counter);
    }

    [PrivilegedFact]
    public void PrivilegedLoad_PinnedMapOfOtherSize_ThrowsMismatchAndKeepsThePin()
    {
        using var pins = new BpfFsDirectory("pin");
        var spec = SelfTestObject.Spec();
        spec.PinMapsUnder(pins.Path);
        using (var first = spec.Load())
            first.GetMap<uint, SelfTestValue>(SelfTestObject.HashMap).Update(9, new SelfTestValue { Counter = 9 });

        var changed = SelfTestObject.Spec();
        changed.PinMapsUnder(pins.Path);
        changed.Maps[SelfTestObject.HashMap].MaxEntries = 100;
        var e = Assert.Throws<PinnedMapMismatchException>(() => changed.Load());

        Assert.Equal(SelfTestObject.HashMap, e.MapName);
        Assert.Contains("max entries 65536 vs 100", e.Message);
        using var kept = Map.OpenPinned(pins[SelfTestObject.HashMap]);
        Assert.Equal(9ul, kept.As<uint, SelfTestValue>().Lookup(9).Counter);
    }

    [PrivilegedFact]
    public void PrivilegedPin_MapPinnedByHand_OpenPinnedSeesTheSameMapUntilUnpinned()
    {
        using var pins = new BpfFsDirectory("pin");
        using var collection = SelfTestObject.Spec().Load();
        var map = collection.GetMap(SelfTestObject.HashMap);

        map.Pin(pins["hash"]);
        using (var opened = Map.OpenPinned(pins["hash"]))
        {
            Assert.Equal(map.Info.Id, opened.Info.Id);
            opened.As<uint, SelfTestValue>().Update(3, new SelfTestValue { Id = 3 });
        }
        map.Unpin();

        Assert.Equal(3u, map.As<uint, SelfTestValue>().Lookup(3).Id);
        Assert.False(File.Exists(pins["hash"]));
    }
}
