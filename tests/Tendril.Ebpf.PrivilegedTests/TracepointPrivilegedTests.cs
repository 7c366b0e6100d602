using System.Diagnostics;
using Tendril.Ebpf.Links;
using Tendril.Tests.Common;
using Tendril.Tests.Common.SelfTest;
using Xunit;

namespace Tendril.Ebpf.PrivilegedTests;

[Trait("Category", "Privileged")]
public sealed class TracepointPrivilegedTests
{
    [PrivilegedFact]
    public void PrivilegedAttachTracepoint_ProcessExec_CountsUntilDetached()
    {
        Tracefs.EnsureMounted();
        using var collection = SelfTestObject.Spec().Load();
        var state = collection.GetMap<uint, SelfTestExec>(SelfTestObject.ExecStateMap);
        var link = Link.AttachTracepoint(collection.GetProgram("selftest_exec"), "sched", "sched_process_exec");

        ulong before = state.Lookup(0).Count;
        var pids = new List<int>();
        for (int i = 0; i < 5; i++)
        {
            using var child = Process.Start("/bin/true")!;
            pids.Add(child.Id);
            child.WaitForExit();
        }
        ulong during = state.Lookup(0).Count;
        Assert.Equal(LinkType.PerfEvent, link.Info().Type);
        link.Dispose();
        using (var child = Process.Start("/bin/true")!)
            child.WaitForExit();

        Assert.True(during - before >= 5, $"5 execs, counted {during - before}");
        Assert.Equal(during, state.Lookup(0).Count);
    }

    [PrivilegedFact]
    public void PrivilegedAttachTracepoint_UnknownTracepoint_ThrowsNamingIt()
    {
        Tracefs.EnsureMounted();
        using var collection = SelfTestObject.Spec().Load();

        var e = Assert.Throws<FileNotFoundException>(() => Link.AttachTracepoint(collection.GetProgram("selftest_exec"), "sched", "no_such_event"));

        Assert.Contains("sched/no_such_event", e.Message);
    }

    [PrivilegedFact]
    public void PrivilegedAttach_WrongProgramType_ThrowsBeforeAnySyscall()
    {
        using var collection = SelfTestObject.Spec().Load();

        var e = Assert.Throws<ArgumentException>(() => Link.AttachXdp(collection.GetProgram(SelfTestObject.TcProgram), new XdpOptions(1)));

        Assert.Contains("SchedCls", e.Message);
    }
}
