using Tendril.Ebpf.Internal;
using Tendril.Interop;

namespace Tendril.Ebpf.Links;

/// <summary>A BPF link held by an fd; every link kind except legacy tc.</summary>
internal sealed class FdLink : ILink
{
    private const int BPF_LINK_DETACH = 34;

    private readonly SafeFd _fd;
    private readonly string _description;
    private readonly BpfFsPin _pin;

    internal FdLink(SafeFd fd, string description, string? pinPath = null)
    {
        _fd = fd;
        _description = description;
        _pin = new BpfFsPin(pinPath);
        var info = ObjectInfo.Link(fd.Fd);
        Type = info.Type;
        Id = info.Id;
        ProgramId = info.ProgramId;
    }

    public LinkType Type { get; }

    public uint Id { get; }

    public uint ProgramId { get; }

    public string? PinPath => _pin.Path;

    internal int Fd => _fd.Fd;

    public void Pin(string path) => _pin.Pin(_fd, path, _description);

    public void Unpin() => _pin.Unpin();

    public void Detach()
    {
        uint attr = (uint)_fd.Fd;
        BpfSyscall.ThrowIfError(BpfSyscall.Call(BPF_LINK_DETACH, ref attr), $"detach {_description}");
    }

    public LinkInfo Info() => ObjectInfo.Link(_fd.Fd);

    public void Dispose() => _fd.Dispose();

    public override string ToString() => $"{_description} (link {Id}, program {ProgramId})";

    /// <summary>BPF_LINK_CREATE with the full attr, for the options libbpf 1.1 lacks.</summary>
    internal static FdLink Create(Program program, uint target, AttachType attachType, uint flags, uint relative,
        ulong expectedRevision, string description, string? hint = null)
    {
        var attr = new BpfSyscall.LinkCreateAttr
        {
            prog_fd = (uint)program.Handle.Fd,
            target = target,
            attach_type = (uint)attachType,
            flags = flags,
            relative = relative,
            expected_revision = expectedRevision,
        };
        int fd = BpfSyscall.Call(BpfSyscall.BPF_LINK_CREATE, ref attr);
        if (fd < 0)
            throw LinuxException.FromNegative(description, fd, hint);
        return new FdLink(new SafeFd(fd), description.Replace("attach ", "", StringComparison.Ordinal));
    }
}
