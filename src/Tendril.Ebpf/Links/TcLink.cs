using Tendril.Ebpf.Internal;
using Tendril.Interop;

namespace Tendril.Ebpf.Links;

/// <summary>Options for a legacy tc attachment (clsact qdisc + cls_bpf direct-action filter), the fallback before tcx.</summary>
public sealed record TcOptions(int Ifindex, TcxDirection Direction, string? DeviceName = null)
{
    public uint Handle { get; init; } = 1;

    public uint Priority { get; init; } = 1;

    /// <summary>Replace the filter with this handle and priority if there is one (atomically), instead of failing with EEXIST.</summary>
    public bool Replace { get; init; }
}

/// <summary>
/// A legacy tc filter. It is not a BPF link: it stays on the device after this process exits whether or not it
/// is disposed, so dispose removes the filter explicitly. It cannot be pinned.
/// </summary>
internal sealed unsafe class TcLink : ILink
{
    private readonly TcOptions _options;
    private bool _detached;

    internal TcLink(TcOptions options, uint programId)
    {
        _options = options;
        ProgramId = programId;
    }

    public LinkType Type => LinkType.Unspecified;

    public uint Id => 0;

    public uint ProgramId { get; }

    public string? PinPath => null;

    public void Pin(string path) =>
        throw new NotSupportedException("a legacy tc filter is not a BPF link and cannot be pinned; it persists on the device until detached");

    public void Unpin()
    {
    }

    public LinkInfo Info() => new(0, LinkType.Unspecified, ProgramId, _options.Ifindex, null, null);

    public void Update(Program newProgram, Program? expectedProgram = null) =>
        throw new NotSupportedException($"a legacy tc filter on {_options.DeviceName ?? "ifindex " + _options.Ifindex} is not a BPF link and cannot be " +
            "updated in place; attach with tcx (Linux 6.6+) for atomic program updates");

    public void Detach()
    {
        if (_detached)
            return;
        var hook = Link.TcHook(_options);
        var opts = new Libbpf.bpf_tc_opts { sz = (nuint)sizeof(Libbpf.bpf_tc_opts), handle = _options.Handle, priority = _options.Priority };
        int rc = Libbpf.bpf_tc_detach(&hook, &opts);
        _detached = true;
        if (rc < 0 && rc != -ErrnoNames.ENOENT && rc != -ErrnoNames.ENODEV)
            throw LinuxException.FromNegative($"detach tc filter from {_options.DeviceName ?? "ifindex " + _options.Ifindex}", rc);
    }

    public void Dispose() => Detach();
}

public static partial class Link
{
    /// <summary>Attaches a SchedCls program as a direct-action tc filter, creating the clsact qdisc if needed.</summary>
    public static unsafe ILink AttachTc(Program program, TcOptions options)
    {
        RequireType(program, "tc", ProgramType.SchedCls);
        string device = options.DeviceName ?? $"ifindex {options.Ifindex}";
        var hook = TcHook(options);
        int rc = Libbpf.bpf_tc_hook_create(&hook);
        if (rc < 0 && rc != -ErrnoNames.EEXIST)
            throw LinuxException.FromNegative($"create clsact qdisc on {device}", rc);
        var opts = new Libbpf.bpf_tc_opts
        {
            sz = (nuint)sizeof(Libbpf.bpf_tc_opts),
            prog_fd = program.Handle.Fd,
            handle = options.Handle,
            priority = options.Priority,
            flags = options.Replace ? Libbpf.BPF_TC_F_REPLACE : 0,
        };
        rc = Libbpf.bpf_tc_attach(&hook, &opts);
        if (rc < 0)
            throw LinuxException.FromNegative($"attach tc {options.Direction.ToString().ToLowerInvariant()} program {program.Name} to {device}", rc);
        return new TcLink(options, opts.prog_id);
    }

    internal static unsafe Libbpf.bpf_tc_hook TcHook(TcOptions options) => new()
    {
        sz = (nuint)sizeof(Libbpf.bpf_tc_hook),
        ifindex = options.Ifindex,
        attach_point = options.Direction == TcxDirection.Ingress ? Libbpf.BPF_TC_INGRESS : Libbpf.BPF_TC_EGRESS,
    };
}
