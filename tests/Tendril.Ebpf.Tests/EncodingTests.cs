using Tendril.Ebpf.Internal;
using Tendril.Interop;
using Xunit;

namespace Tendril.Ebpf.Tests;

public class EncodingTests
{
    [Fact]
    public void Insn_MovAndCallAndExit_EncodeAsTheKernelExpects()
    {
        Assert.Equal(BitConverter.ToUInt64([0xb7, 0x00, 0, 0, 0x02, 0, 0, 0]), BpfSyscall.MovImm(0, 2));
        Assert.Equal(BitConverter.ToUInt64([0xb7, 0x03, 0, 0, 0xff, 0xff, 0xff, 0xff]), BpfSyscall.MovImm(3, -1));
        Assert.Equal(BitConverter.ToUInt64([0x85, 0x00, 0, 0, 155, 0, 0, 0]), BpfSyscall.CallHelper(155));
        Assert.Equal(BitConverter.ToUInt64([0x95, 0, 0, 0, 0, 0, 0, 0]), BpfSyscall.Exit());
    }

    [Theory]
    [InlineData("0-1\n", 2)]
    [InlineData("0", 1)]
    [InlineData("0-3,5,7-8", 9)]
    public void ParseCpuListCount_KernelCpuList_CountsPossibleCpus(string list, int expected) =>
        Assert.Equal(expected, LinuxSystem.ParseCpuListCount(list));

    [Fact]
    public void LinuxException_Errno_NamesOperationAndErrno()
    {
        var e = new LinuxException("add veth lxc12", ErrnoNames.EEXIST);

        Assert.Equal("add veth lxc12: EEXIST (File exists)", e.Message);
        Assert.Equal(17, e.Errno);
    }
}
