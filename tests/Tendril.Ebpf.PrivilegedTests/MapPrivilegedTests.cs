using System.Net;
using Tendril.Interop;
using Tendril.Tests.Common;
using Tendril.Tests.Common.SelfTest;
using Xunit;

namespace Tendril.Ebpf.PrivilegedTests;

[Trait("Category", "Privileged")]
public sealed class MapPrivilegedTests : IDisposable
{
    private readonly Collection? _collection;

    public MapPrivilegedTests()
    {
        if (LinuxSystem.IsRoot)
        {
            var spec = SelfTestObject.Spec();
            spec.Maps[SelfTestObject.LbMap].MaxEntries = 4;
            _collection = spec.Load();
        }
    }

    private Collection Loaded => _collection!;

    public void Dispose() => _collection?.Dispose();

    [PrivilegedFact]
    public void PrivilegedUpdate_NewKey_LookupReturnsValue()
    {
        var map = Loaded.GetMap<uint, SelfTestValue>(SelfTestObject.HashMap);

        map.Update(7, new SelfTestValue { Counter = 42, Id = 7, Flags = 3 });

        Assert.True(map.TryLookup(7, out var value));
        Assert.Equal((42ul, 7u, 3u), (value.Counter, value.Id, value.Flags));
        Assert.False(map.TryLookup(8, out _));
    }

    [PrivilegedFact]
    public void PrivilegedCountKeys_HashWithThreeKeys_CountsThreeAndZeroWhenEmptied()
    {
        var map = Loaded.GetMap<uint, SelfTestValue>(SelfTestObject.HashMap);
        foreach (uint key in new uint[] { 3, 30, 300 })
            map.Update(key, default);

        Assert.Equal(3, map.Raw.CountKeys());

        foreach (uint key in new uint[] { 3, 30, 300 })
            map.Delete(key);
        Assert.Equal(0, map.Raw.CountKeys());
    }

    [PrivilegedFact]
    public void PrivilegedUpdate_NoExistOnPresentKey_ThrowsEexistAndKeepsOldValue()
    {
        var map = Loaded.GetMap<uint, SelfTestValue>(SelfTestObject.HashMap);
        map.Update(1, new SelfTestValue { Counter = 1 });

        var e = Assert.Throws<LinuxException>(() => map.Update(1, new SelfTestValue { Counter = 2 }, MapUpdate.NoExist));

        Assert.Equal(ErrnoNames.EEXIST, e.Errno);
        Assert.Contains("selftest_hash", e.Message);
        Assert.Equal(1ul, map.Lookup(1).Counter);
    }

    [PrivilegedFact]
    public void PrivilegedUpdate_ExistOnAbsentKey_ThrowsEnoent()
    {
        var map = Loaded.GetMap<uint, SelfTestValue>(SelfTestObject.HashMap);

        var e = Assert.Throws<LinuxException>(() => map.Update(99, default, MapUpdate.Exist));

        Assert.Equal(ErrnoNames.ENOENT, e.Errno);
    }

    [PrivilegedFact]
    public void PrivilegedUpdate_FullMap_ThrowsE2bigSayingTheMapIsFull()
    {
        var map = Loaded.GetMap<SelfTestAddr, SelfTestAddr>(SelfTestObject.LbMap);
        for (int i = 0; i < 4; i++)
            map.Update(SelfTestAddr.From(IPAddress.Parse("10.96.0.1"), 80 + i), default);

        var e = Assert.Throws<LinuxException>(() => map.Update(SelfTestAddr.From(IPAddress.Parse("10.96.0.1"), 99), default));

        Assert.Equal(ErrnoNames.E2BIG, e.Errno);
        Assert.Contains("full (4 entries)", e.Message);
    }

    [PrivilegedFact]
    public void PrivilegedDelete_PresentAndAbsentKeys_ReportsWhetherItDeleted()
    {
        var map = Loaded.GetMap<uint, SelfTestValue>(SelfTestObject.HashMap);
        map.Update(5, default);

        Assert.True(map.Delete(5));
        Assert.False(map.Delete(5));
        Assert.False(map.TryLookup(5, out _));
    }

    [PrivilegedFact]
    public void PrivilegedKeysAndEntries_FilledMap_IterateEveryEntryOnce()
    {
        var map = Loaded.GetMap<uint, SelfTestValue>(SelfTestObject.HashMap);
        for (uint i = 1; i <= 100; i++)
            map.Update(i, new SelfTestValue { Counter = i * 10 });

        var keys = map.Keys().ToList();
        var entries = map.Entries().ToDictionary(e => e.Key, e => e.Value.Counter);

        Assert.Equal(100, keys.Count);
        Assert.Equal(Enumerable.Range(1, 100).Select(i => (uint)i), keys.Order());
        Assert.All(entries, e => Assert.Equal(e.Key * 10, e.Value));
    }

    [PrivilegedFact]
    public void PrivilegedBatch_UpdateLookupDelete_MoveTenThousandEntries()
    {
        var map = Loaded.GetMap<uint, SelfTestValue>(SelfTestObject.HashMap);
        var keys = Enumerable.Range(0, 10_000).Select(i => (uint)i).ToArray();
        var values = keys.Select(k => new SelfTestValue { Counter = k + 1, Id = k }).ToArray();

        Assert.Equal(10_000, map.UpdateBatch(keys, values));
        var all = map.LookupAll(chunk: 1000);
        Assert.Equal(10_000, all.Count);
        Assert.All(all, e => Assert.Equal(e.Key + 1, e.Value.Counter));

        Assert.Equal(5_000, map.DeleteBatch(keys.AsSpan(0, 5_000)));
        Assert.Equal(5_000, map.LookupAll().Count);
        Assert.False(map.TryLookup(10, out _));
        Assert.True(map.TryLookup(9_999, out _));
    }

    [PrivilegedFact]
    public void PrivilegedBatch_LookupAndDelete_EmptiesTheMap()
    {
        var map = Loaded.GetMap<uint, SelfTestValue>(SelfTestObject.HashMap);
        var keys = Enumerable.Range(0, 300).Select(i => (uint)i).ToArray();
        map.UpdateBatch(keys, new SelfTestValue[300]);

        var cursor = new MapBatchCursor(4);
        var outKeys = new uint[128];
        var outValues = new SelfTestValue[128];
        int total = 0;
        while (!cursor.Done)
            total += map.LookupAndDeleteBatch(cursor, outKeys, outValues);

        Assert.Equal(300, total);
        Assert.Empty(map.Keys());
    }

    [PrivilegedFact]
    public void PrivilegedPerCpu_UpdateEveryCpu_LookupReturnsEachCpusValue()
    {
        var map = Loaded.GetMap<uint, ulong>(SelfTestObject.PerCpuHashMap);
        int cpus = LinuxSystem.PossibleCpuCount;
        var values = Enumerable.Range(0, cpus).Select(i => (ulong)(100 + i)).ToArray();

        map.UpdatePerCpu(3, values);

        Assert.Equal(values, map.LookupPerCpu(3));
        Assert.Empty(map.LookupPerCpu(4));
        Assert.Throws<InvalidOperationException>(() => map.Update(3, 1));
    }

    [PrivilegedFact]
    public void PrivilegedLpmTrie_OverlappingPrefixes_LookupFindsTheLongestMatch()
    {
        var map = Loaded.GetMap<SelfTestLpmKey, uint>(SelfTestObject.LpmMap);
        map.Update(SelfTestLpmKey.From(IPAddress.Parse("10.0.0.0"), 8), 1);
        map.Update(SelfTestLpmKey.From(IPAddress.Parse("10.1.0.0"), 16), 2);
        map.Update(SelfTestLpmKey.From(IPAddress.Parse("10.1.2.3"), 32), 3);

        Assert.Equal(3u, map.Lookup(SelfTestLpmKey.From(IPAddress.Parse("10.1.2.3"), 32)));
        Assert.Equal(2u, map.Lookup(SelfTestLpmKey.From(IPAddress.Parse("10.1.9.9"), 32)));
        Assert.Equal(1u, map.Lookup(SelfTestLpmKey.From(IPAddress.Parse("10.200.0.1"), 32)));
        Assert.False(map.TryLookup(SelfTestLpmKey.From(IPAddress.Parse("11.0.0.1"), 32), out _));
    }

    [PrivilegedFact]
    public void PrivilegedAs_WrongValueType_ThrowsNamingBothSizes()
    {
        var e = Assert.Throws<ArgumentException>(() => Loaded.GetMap<uint, uint>(SelfTestObject.HashMap));

        Assert.Contains("UInt32 is 4 bytes", e.Message);
        Assert.Contains("16", e.Message);
    }

    [PrivilegedFact]
    public void PrivilegedInfo_LoadedMap_ReportsKernelView()
    {
        var map = Loaded.GetMap(SelfTestObject.HashMap);

        Assert.True(map.Info.Id > 0);
        Assert.Equal(MapType.Hash, map.Info.Type);
        Assert.Equal("selftest_hash", map.Info.Name);
        Assert.Equal(65536, map.MaxEntries);
    }
}
