using Tendril.Ebpf.Internal;
using Tendril.Interop;

namespace Tendril.Ebpf.Links;

public enum TcxDirection
{
    /// <summary>Packets the device receives (for a pod's host-side veth: packets leaving the pod).</summary>
    Ingress,

    /// <summary>Packets the device transmits.</summary>
    Egress,
}

/// <summary>Where a tcx program goes among the programs already on the hook. The default appends at the end.</summary>
public sealed record TcxAnchor
{
    private TcxAnchor(uint flags, uint relative, string text)
    {
        Flags = flags;
        Relative = relative;
        _text = text;
    }

    private readonly string _text;

    internal uint Flags { get; }

    internal uint Relative { get; }

    /// <summary>Runs first, before every program on the hook.</summary>
    public static TcxAnchor First { get; } = new(BpfSyscall.BPF_F_BEFORE, 0, "first");

    /// <summary>Runs last (the default).</summary>
    public static TcxAnchor Last { get; } = new(BpfSyscall.BPF_F_AFTER, 0, "last");

    public static TcxAnchor Before(ILink link) => new(BpfSyscall.BPF_F_BEFORE | BpfSyscall.BPF_F_LINK | BpfSyscall.BPF_F_ID, link.Id, $"before link {link.Id}");

    public static TcxAnchor After(ILink link) => new(BpfSyscall.BPF_F_AFTER | BpfSyscall.BPF_F_LINK | BpfSyscall.BPF_F_ID, link.Id, $"after link {link.Id}");

    public static TcxAnchor Before(Program program) => new(BpfSyscall.BPF_F_BEFORE | BpfSyscall.BPF_F_ID, program.Info.Id, $"before program {program.Info.Id}");

    public static TcxAnchor After(Program program) => new(BpfSyscall.BPF_F_AFTER | BpfSyscall.BPF_F_ID, program.Info.Id, $"after program {program.Info.Id}");

    public override string ToString() => _text;
}

/// <summary>Attach options for tcx (Linux 6.6+).</summary>
/// <param name="Ifindex">The device, in the calling thread's network namespace.</param>
/// <param name="Direction">Ingress or egress.</param>
/// <param name="DeviceName">Only for messages.</param>
public sealed record TcxOptions(int Ifindex, TcxDirection Direction, string? DeviceName = null)
{
    public TcxAnchor? Anchor { get; init; }

    /// <summary>When non-zero, the attach fails with ESTALE unless the hook is still at this revision.</summary>
    public ulong ExpectedRevision { get; init; }
}

/// <summary>The programs on a tcx hook, in the order they run, and the hook's revision.</summary>
public sealed record TcxAttachments(ulong Revision, IReadOnlyList<TcxAttachment> Programs);

/// <param name="ProgramId">The program.</param>
/// <param name="LinkId">Its link, or 0 when it was attached without a link.</param>
public sealed record TcxAttachment(uint ProgramId, uint LinkId);

public static partial class Link
{
    /// <summary>Attaches a SchedCls program to a device's tcx hook through a BPF link.</summary>
    public static ILink AttachTcx(Program program, TcxOptions options)
    {
        RequireType(program, "tcx", ProgramType.SchedCls);
        if (options.Ifindex <= 0)
            throw new ArgumentOutOfRangeException(nameof(options), $"invalid interface index {options.Ifindex}");
        var anchor = options.Anchor;
        string device = options.DeviceName ?? $"ifindex {options.Ifindex}";
        string where = anchor is null ? "" : $" ({anchor})";
        return FdLink.Create(program, (uint)options.Ifindex, AttachTypeOf(options.Direction), anchor?.Flags ?? 0,
            anchor?.Relative ?? 0, options.ExpectedRevision,
            $"attach tcx {options.Direction.ToString().ToLowerInvariant()} program {program.Name} to {device}{where}",
            hint: "tcx needs Linux 6.6 or later");
    }

    /// <summary>Lists the programs on a device's tcx hook in run order (BPF_PROG_QUERY).</summary>
    public static unsafe TcxAttachments QueryTcx(int ifindex, TcxDirection direction)
    {
        const int max = 64;
        uint* progIds = stackalloc uint[max];
        uint* linkIds = stackalloc uint[max];
        var attr = new BpfSyscall.ProgQueryAttr
        {
            target = (uint)ifindex,
            attach_type = (uint)AttachTypeOf(direction),
            prog_ids = (ulong)progIds,
            link_ids = (ulong)linkIds,
            count = max,
        };
        int rc = BpfSyscall.Call(BpfSyscall.BPF_PROG_QUERY, ref attr);
        BpfSyscall.ThrowIfError(rc, $"query tcx {direction.ToString().ToLowerInvariant()} of ifindex {ifindex}");
        var programs = new List<TcxAttachment>();
        for (int i = 0; i < (int)attr.count && i < max; i++)
            programs.Add(new TcxAttachment(progIds[i], linkIds[i]));
        return new TcxAttachments(attr.revision, programs);
    }

    private static AttachType AttachTypeOf(TcxDirection direction) =>
        direction == TcxDirection.Ingress ? AttachType.TcxIngress : AttachType.TcxEgress;
}
