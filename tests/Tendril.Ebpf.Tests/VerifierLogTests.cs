using Tendril.Ebpf.Internal;
using Xunit;

namespace Tendril.Ebpf.Tests;

public class VerifierLogTests
{
    private const string LibbpfOutput = """
        libbpf: prog 'selftest_unchecked_read': BPF program load failed: Permission denied
        libbpf: prog 'selftest_unchecked_read': -- BEGIN PROG LOAD LOG --
        0: R1=ctx(off=0,imm=0) R10=fp0
        ; unsigned char *p = (void *)(long)skb->data;
        0: (61) r1 = *(u32 *)(r1 +76)         ; R1_w=pkt(off=0,r=0,imm=0)
        ; return p[20] == 6 ? TC_ACT_SHOT : TC_ACT_OK;
        1: (71) r1 = *(u8 *)(r1 +20)
        invalid access to packet, off=20 size=1, R1(id=0,off=20,r=0)
        R1 offset is outside of the packet
        processed 2 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0
        -- END PROG LOAD LOG --
        libbpf: prog 'selftest_unchecked_read': failed to load: -13
        """;

    [Fact]
    public void ExtractVerifierLog_LibbpfOutput_FindsProgramAndLog()
    {
        var found = LibbpfLog.ExtractVerifierLog(LibbpfOutput);

        Assert.NotNull(found);
        Assert.Equal("selftest_unchecked_read", found.Value.Program);
        Assert.StartsWith("0: R1=ctx", found.Value.Log);
        Assert.EndsWith("mark_read 0", found.Value.Log);
    }

    [Fact]
    public void ExtractVerifierLog_NoLogMarkers_ReturnsNull() =>
        Assert.Null(LibbpfLog.ExtractVerifierLog("libbpf: map 'x': failed to create: Invalid argument(-22)"));

    [Fact]
    public void VerifierException_Message_ShowsTheVerifiersReasonAndKeepsTheWholeLog()
    {
        var (program, log) = LibbpfLog.ExtractVerifierLog(LibbpfOutput)!.Value;

        var e = new VerifierException("selftest_bad", program, 13, log, LibbpfOutput);

        Assert.Contains("selftest_unchecked_read", e.Message);
        Assert.Contains("R1 offset is outside of the packet", e.Message);
        Assert.Contains("EACCES", e.Message);
        Assert.Contains("earlier line(s) in VerifierLog", e.Message);
        Assert.Contains("invalid access to packet", e.VerifierLog);
    }
}
