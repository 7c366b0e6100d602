using System.Runtime.InteropServices;
using Tendril.Ebpf.Layout;
using Tendril.Tests.Common.Layout;
using Tendril.Tests.Common.SelfTest;
using Xunit;

namespace Tendril.Ebpf.Tests;

public class LayoutParityTests
{
    [Fact]
    public void Check_AllMirroredStructs_MatchClangLayout()
    {
        var mirrors = LayoutParity.Mirrors(typeof(SelfTestEvent).Assembly);
        Assert.NotEmpty(mirrors);

        var problems = LayoutParity.Check(mirrors);

        Assert.True(problems.Count == 0, "C#/C layout differences:\n" + string.Join("\n", problems));
    }

    [Fact]
    public void Check_MirrorWithShiftedField_ReportsOffsetAndMissingField()
    {
        var problems = LayoutParity.Check([typeof(WrongEvent)]);

        Assert.Contains(problems, p => p.Contains("WrongEvent.Saddr") && p.Contains("offset"));
        Assert.Contains(problems, p => p.Contains("no field mirrors selftest_event.seq"));
        Assert.Contains(problems, p => p.Contains("size"));
    }

    [Fact]
    public void Check_MirrorWithWrongFieldWidth_ReportsSize()
    {
        var problems = LayoutParity.Check([typeof(NarrowStats)]);

        Assert.Contains(problems, p => p.Contains("NarrowStats.Lost") && p.Contains("4 bytes"));
    }

    [Theory]
    [InlineData("TcpFlags", "tcp_flags")]
    [InlineData("KtimeNs", "ktime_ns")]
    [InlineData("_pad", "pad")]
    [InlineData("Saddr", "saddr")]
    public void SnakeCase_PascalName_GivesCName(string name, string expected) =>
        Assert.Equal(expected, LayoutParity.SnakeCase(name));

    [Fact]
    public void ParseLayouts_ClangDump_ReadsTopLevelFieldsOnly()
    {
        const string dump = """

            *** Dumping AST Record Layout
                     0 | struct outer
                     0 |   __u32 a
                     4 |   struct inner in
                     4 |     __u16 x
                     8 |   unsigned char[6] mac
                       | [sizeof=16, align=4]
            """;

        var layouts = LayoutParity.ParseLayouts(dump);

        var outer = layouts["outer"];
        Assert.Equal(16, outer.Size);
        Assert.Equal(["a", "in", "mac"], outer.Fields.Select(f => f.Name));
        Assert.Equal("unsigned char[6]", outer.Fields[2].Type);
        Assert.Equal(8, outer.Fields[2].Offset);
    }

    [CStruct("selftest_event", "shared/selftest.h")]
    [StructLayout(LayoutKind.Sequential)]
    private struct WrongEvent
    {
        public uint KtimeNs;
        public uint Saddr;
        public uint Daddr;
        public ushort Sport;
        public ushort Dport;
        public byte Protocol;
        public byte Verdict;
        public byte TcpFlags;
        public byte Pad;
        public uint Len;
    }

    [CStruct("selftest_stats", "shared/selftest.h")]
    [StructLayout(LayoutKind.Sequential)]
    private struct NarrowStats
    {
        public ulong Seen;
        public ulong Passed;
        public ulong Dropped;
        public uint Lost;
    }
}
