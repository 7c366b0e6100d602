using Tendril.Ebpf.Internal;
using Tendril.Interop;

namespace Tendril.Ebpf.Links;

/// <summary>A BPF link held by an fd; every link kind except legacy tc.</summary>
internal sealed class FdLink : ILink
{
    private const int BPF_LINK_DETACH = 34;
    private const int ENOLINK = 67;

    private readonly SafeFd _fd;
    private readonly string _description;
    private readonly BpfFsPin _pin;
    private uint _programId;

    internal FdLink(SafeFd fd, string description, string? pinPath = null)
    {
        _fd = fd;
        _description = description;
        _pin = new BpfFsPin(pinPath);
        var info = ObjectInfo.Link(fd.Fd);
        Type = info.Type;
        Id = info.Id;
        _programId = info.ProgramId;
    }

    public LinkType Type { get; }

    public uint Id { get; }

    public uint ProgramId => Volatile.Read(ref _programId);

    public string? PinPath => _pin.Path;

    internal int Fd => _fd.Fd;

    public void Pin(string path) => _pin.Pin(_fd, path, _description);

    public void Unpin() => _pin.Unpin();

    public void Update(Program newProgram, Program? expectedProgram = null)
    {
        ArgumentNullException.ThrowIfNull(newProgram);
        var attr = new BpfSyscall.LinkUpdateAttr
        {
            link_fd = (uint)_fd.Fd,
            new_prog_fd = (uint)newProgram.Handle.Fd,
            flags = expectedProgram is null ? 0 : BpfSyscall.BPF_F_REPLACE,
            old_prog_fd = expectedProgram is null ? 0 : (uint)expectedProgram.Handle.Fd,
        };
        int rc = BpfSyscall.Call(BpfSyscall.BPF_LINK_UPDATE, ref attr);
        if (rc < 0)
            throw UpdateError(rc, newProgram, expectedProgram);
        Volatile.Write(ref _programId, newProgram.Info.Id);
    }

    public void Detach()
    {
        uint attr = (uint)_fd.Fd;
        BpfSyscall.ThrowIfError(BpfSyscall.Call(BPF_LINK_DETACH, ref attr), $"detach {_description}");
    }

    public LinkInfo Info() => ObjectInfo.Link(_fd.Fd);

    public void Dispose() => _fd.Dispose();

    private LinuxException UpdateError(int rc, Program newProgram, Program? expectedProgram)
    {
        string operation = $"update {_description} (link {Id}) to program {newProgram.Name} (id {newProgram.Info.Id})";
        string? hint = -rc switch
        {
            ErrnoNames.EPERM when expectedProgram is not null =>
                $"the link no longer runs the expected program {expectedProgram.Name} (id {expectedProgram.Info.Id}) but program id {CurrentProgramId()}; nothing changed",
            ErrnoNames.EINVAL => $"the new program must be of the link's program type and attach type (it is {newProgram.Type})",
            ENOLINK => "the link is detached (its device or cgroup is gone); attach a new one",
            ErrnoNames.EOPNOTSUPP => $"{Type} links cannot change their program",
            _ => null,
        };
        return LinuxException.FromNegative(operation, rc, hint);
    }

    private string CurrentProgramId()
    {
        try
        {
            return ObjectInfo.Link(_fd.Fd).ProgramId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (LinuxException)
        {
            return "unknown";
        }
    }

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
