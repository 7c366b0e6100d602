using System.Collections.Concurrent;
using Tendril.Ebpf.Internal;
using Tendril.Interop;

namespace Tendril.Ebpf.Features;

public enum KernelFeature
{
    RingBuffer,
    LpmTrie,
    LruHash,
    BatchMapOperations,
    ProgramTestRun,
    Tcx,
    Netkit,
    RedirectPeer,
    RedirectNeigh,
    XdpLink,
    CgroupSockAddrLink,
    JitEnabled,
    TracefsMounted,
}

public enum FeatureStatus
{
    Available,
    Unavailable,

    /// <summary>The probe could not decide (e.g. not enough privilege); the error is in the detail.</summary>
    Unknown,
}

/// <summary>The result of one probe.</summary>
public sealed record FeatureProbe(KernelFeature Feature, string Description, string MinimumKernel, FeatureStatus Status, string Detail)
{
    public bool IsAvailable => Status == FeatureStatus.Available;
}

/// <summary>
/// Asks the running kernel what it can do by loading tiny programs and creating tiny maps — never attaching
/// anything anywhere. Results are cached per process. Thread-safe.
/// </summary>
public static class KernelFeatures
{
    private const uint NoSuchIfindex = 0x7fffffff;
    private static readonly ConcurrentDictionary<KernelFeature, FeatureProbe> Cache = new();

    /// <summary>Probes (once) and reports <paramref name="feature"/>.</summary>
    public static FeatureProbe Probe(KernelFeature feature) => Cache.GetOrAdd(feature, Run);

    public static bool Has(KernelFeature feature) => Probe(feature).IsAvailable;

    /// <summary>Throws <see cref="NotSupportedByKernelException"/> unless the kernel has <paramref name="feature"/>.</summary>
    public static void Require(KernelFeature feature)
    {
        var probe = Probe(feature);
        if (!probe.IsAvailable)
            throw new NotSupportedByKernelException(probe.Description, probe.MinimumKernel, probe.Detail);
    }

    /// <summary>Every probe, in declaration order.</summary>
    public static IReadOnlyList<FeatureProbe> ProbeAll() =>
        Enum.GetValues<KernelFeature>().Select(Probe).ToList();

    private static FeatureProbe Run(KernelFeature feature)
    {
        try
        {
            return feature switch
            {
                KernelFeature.RingBuffer => FromMap(feature, "BPF ring buffer map", "5.8",
                    BpfSyscall.CreateRawMap(MapType.RingBuffer, 0, 0, (uint)LinuxSystem.PageSize)),
                KernelFeature.LpmTrie => FromMap(feature, "LPM trie map", "4.11",
                    BpfSyscall.CreateRawMap(MapType.LpmTrie, 8, 4, 1, flags: 1)),
                KernelFeature.LruHash => FromMap(feature, "LRU hash map", "4.10",
                    BpfSyscall.CreateRawMap(MapType.LruHash, 4, 4, 1)),
                KernelFeature.BatchMapOperations => ProbeBatch(),
                KernelFeature.ProgramTestRun => ProbeTestRun(),
                KernelFeature.Tcx => ProbeLink(feature, "tcx attachment (BPF_TCX_INGRESS/EGRESS links)", "6.6",
                    ProgramType.SchedCls, 0, AttachType.TcxIngress, NoSuchIfindex),
                KernelFeature.Netkit => ProbeLink(feature, "netkit devices (BPF_NETKIT_PRIMARY links)", "6.7",
                    ProgramType.SchedCls, 0, (AttachType)54, NoSuchIfindex),
                KernelFeature.RedirectPeer => ProbeHelper(feature, "bpf_redirect_peer helper", "5.10", 155, 2),
                KernelFeature.RedirectNeigh => ProbeHelper(feature, "bpf_redirect_neigh helper", "5.10", 152, 4),
                KernelFeature.XdpLink => ProbeXdpLink(),
                KernelFeature.CgroupSockAddrLink => ProbeLink(feature, "cgroup socket-address links (connect4 …)", "5.7",
                    ProgramType.CgroupSockAddr, 1, AttachType.CgroupInet4Connect, uint.MaxValue),
                KernelFeature.JitEnabled => ProbeJit(),
                KernelFeature.TracefsMounted => ProbeTracefs(),
                _ => throw new ArgumentOutOfRangeException(nameof(feature)),
            };
        }
        catch (Exception e) when (e is not ArgumentOutOfRangeException)
        {
            return new FeatureProbe(feature, feature.ToString(), "?", FeatureStatus.Unknown, e.Message);
        }
    }

    private static FeatureProbe FromMap(KernelFeature feature, string description, string minimum, int fd) =>
        FromResult(feature, description, minimum, fd, availableWhen: rc => rc >= 0, unavailableWhen: rc => rc is -ErrnoNames.EINVAL or -ErrnoNames.ENOTSUPP or -ErrnoNames.EOPNOTSUPP);

    private static FeatureProbe FromResult(KernelFeature feature, string description, string minimum, int rc,
        Func<int, bool> availableWhen, Func<int, bool> unavailableWhen)
    {
        if (rc >= 0)
            new SafeFd(rc).Dispose();
        var status = availableWhen(rc) ? FeatureStatus.Available
            : unavailableWhen(rc) ? FeatureStatus.Unavailable
            : FeatureStatus.Unknown;
        string detail = rc >= 0 ? "ok" : ErrnoNames.Name(-rc);
        if (status == FeatureStatus.Unknown && rc == -ErrnoNames.EPERM)
            detail += " (run as root to probe)";
        return new FeatureProbe(feature, description, minimum, status, detail);
    }

    private static SafeFd LoadTrivial(ProgramType type, int returnValue, AttachType expected = 0)
    {
        int fd = BpfSyscall.LoadRaw(type, [BpfSyscall.MovImm(0, returnValue), BpfSyscall.Exit()], expected);
        BpfSyscall.ThrowIfError(fd, $"load probe program of type {type}");
        return new SafeFd(fd);
    }

    private static FeatureProbe ProbeLink(KernelFeature feature, string description, string minimum, ProgramType type,
        int returnValue, AttachType attach, uint target)
    {
        AttachType expected = type == ProgramType.CgroupSockAddr ? attach : 0;
        using var program = LoadTrivial(type, returnValue, expected);
        var attr = new BpfSyscall.LinkCreateAttr { prog_fd = (uint)program.Fd, target = target, attach_type = (uint)attach };
        int rc = BpfSyscall.Call(BpfSyscall.BPF_LINK_CREATE, ref attr);
        // A bad target proves the kernel understood the attach type; EINVAL means it did not.
        return FromResult(feature, description, minimum, rc,
            availableWhen: r => r is -ErrnoNames.ENODEV or -ErrnoNames.EBADF or >= 0,
            unavailableWhen: r => r is -ErrnoNames.EINVAL or -ErrnoNames.EOPNOTSUPP);
    }

    /// <summary>
    /// XDP link creation answers EINVAL both for an unknown attach type and for a missing device, so this probe
    /// attaches for real — to the loopback device of a throwaway network namespace that only its own thread sees
    /// and that vanishes with it.
    /// </summary>
    private static FeatureProbe ProbeXdpLink()
    {
        FeatureProbe? result = null;
        var thread = new Thread(() =>
        {
            try
            {
                if (Tendril.Interop.LibC.Sched.unshare(Tendril.Interop.LibC.Sched.CLONE_NEWNET) != 0)
                {
                    result = FromResult(KernelFeature.XdpLink, "XDP links", "5.9", -System.Runtime.InteropServices.Marshal.GetLastPInvokeError(),
                        availableWhen: _ => false, unavailableWhen: _ => false);
                    return;
                }
                using var program = LoadTrivial(ProgramType.Xdp, 2);
                var attr = new BpfSyscall.LinkCreateAttr { prog_fd = (uint)program.Fd, target = 1, attach_type = (uint)AttachType.Xdp };
                int rc = BpfSyscall.Call(BpfSyscall.BPF_LINK_CREATE, ref attr);
                result = FromResult(KernelFeature.XdpLink, "XDP links", "5.9", rc,
                    availableWhen: r => r >= 0, unavailableWhen: r => r is -ErrnoNames.EINVAL or -ErrnoNames.EOPNOTSUPP);
            }
            catch (Exception e)
            {
                result = new FeatureProbe(KernelFeature.XdpLink, "XDP links", "5.9", FeatureStatus.Unknown, e.Message);
            }
        }) { IsBackground = true, Name = "xdp link probe" };
        thread.Start();
        thread.Join();
        return result!;
    }

    private static FeatureProbe ProbeHelper(KernelFeature feature, string description, string minimum, int helper, int arguments)
    {
        var insns = new List<ulong>();
        for (byte reg = 1; reg <= arguments; reg++)
            insns.Add(BpfSyscall.MovImm(reg, 0));
        insns.Add(BpfSyscall.CallHelper(helper));
        insns.Add(BpfSyscall.MovImm(0, 0));
        insns.Add(BpfSyscall.Exit());
        int rc = BpfSyscall.LoadRaw(ProgramType.SchedCls, insns.ToArray());
        return FromResult(feature, description, minimum, rc, availableWhen: r => r >= 0, unavailableWhen: r => r == -ErrnoNames.EINVAL);
    }

    private static unsafe FeatureProbe ProbeBatch()
    {
        int fd = BpfSyscall.CreateRawMap(MapType.Hash, 4, 4, 1);
        BpfSyscall.ThrowIfError(fd, "create probe map");
        using var map = new SafeFd(fd);
        uint key, value, count = 1;
        ulong outBatch;
        var opts = new Libbpf.bpf_map_batch_opts { sz = (nuint)sizeof(Libbpf.bpf_map_batch_opts) };
        int rc = Libbpf.bpf_map_lookup_batch(map.Fd, null, &outBatch, &key, &value, &count, &opts);
        return FromResult(KernelFeature.BatchMapOperations, "batched map operations", "5.6", rc,
            availableWhen: r => r is 0 or -ErrnoNames.ENOENT,
            unavailableWhen: r => r is -ErrnoNames.EINVAL or -ErrnoNames.ENOTSUPP);
    }

    private static unsafe FeatureProbe ProbeTestRun()
    {
        using var program = LoadTrivial(ProgramType.SchedCls, 0);
        byte* packet = stackalloc byte[64];
        new Span<byte>(packet, 64).Clear();
        var opts = new Libbpf.bpf_test_run_opts { sz = (nuint)sizeof(Libbpf.bpf_test_run_opts), data_in = packet, data_size_in = 64, repeat = 1 };
        int rc = Libbpf.bpf_prog_test_run_opts(program.Fd, &opts);
        return FromResult(KernelFeature.ProgramTestRun, "BPF_PROG_TEST_RUN for tc programs", "4.12", rc,
            availableWhen: r => r == 0, unavailableWhen: r => r is -ErrnoNames.EINVAL or -ErrnoNames.ENOTSUPP);
    }

    private static FeatureProbe ProbeJit()
    {
        const string path = "/proc/sys/net/core/bpf_jit_enable";
        string value = File.Exists(path) ? File.ReadAllText(path).Trim() : "absent";
        return new FeatureProbe(KernelFeature.JitEnabled, "BPF JIT compiler enabled", "3.16",
            value is "1" or "2" ? FeatureStatus.Available : FeatureStatus.Unavailable, $"bpf_jit_enable={value}");
    }

    private static FeatureProbe ProbeTracefs()
    {
        string? root = new[] { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" }
            .FirstOrDefault(r => Directory.Exists(Path.Combine(r, "events")));
        return new FeatureProbe(KernelFeature.TracefsMounted, "tracefs mounted (tracepoint links)", "4.1",
            root is null ? FeatureStatus.Unavailable : FeatureStatus.Available,
            root ?? "mount -t tracefs nodev /sys/kernel/tracing");
    }
}
