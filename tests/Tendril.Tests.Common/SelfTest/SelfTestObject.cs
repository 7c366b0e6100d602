using Tendril.Ebpf;

namespace Tendril.Tests.Common.SelfTest;

/// <summary>The self-test BPF objects (bpf/tests/selftest*.c), embedded by the build.</summary>
public static class SelfTestObject
{
    public const string TcProgram = "selftest_tc";
    public const string XdpProgram = "selftest_xdp";
    public const string ConfigMap = "selftest_config";
    public const string EventsMap = "selftest_events";
    public const string StatsMap = "selftest_stats";
    public const string HashMap = "selftest_hash";
    public const string PerCpuHashMap = "selftest_percpu_hash";
    public const string LpmMap = "selftest_lpm";
    public const string LbMap = "selftest_lb";
    public const string LbReverseMap = "selftest_lb_reverse";
    public const string XdpCountMap = "selftest_xdp_count";
    public const string ExecStateMap = "selftest_exec_state";
    public const string MatchPortGlobal = "cfg_match_port";

    /// <summary>A fresh spec of bpf/tests/selftest.c.</summary>
    public static CollectionSpec Spec() => CollectionSpec.FromResource(typeof(SelfTestObject).Assembly, "bpf/selftest.o");

    /// <summary>A fresh spec of bpf/tests/selftest_bad.c, which the verifier rejects.</summary>
    public static CollectionSpec BadSpec() => CollectionSpec.FromResource(typeof(SelfTestObject).Assembly, "bpf/selftest_bad.o");
}
