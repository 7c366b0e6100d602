using Tendril.Interop;
using Tendril.Interop.LibC;

namespace Tendril.Ebpf.Links;

/// <summary>Attach options for a cgroup hook.</summary>
/// <param name="CgroupPath">A cgroup v2 directory, e.g. /sys/fs/cgroup/unified or a subtree of it.</param>
/// <param name="AttachType">The hook: connect4, sendmsg4, recvmsg4, getpeername4, sock_create, ingress/egress.</param>
public sealed record CgroupOptions(string CgroupPath, AttachType AttachType);

public static partial class Link
{
    /// <summary>
    /// Attaches a cgroup program through a BPF link (multi-attach: other programs on the same hook keep running).
    /// The attach type defaults to the one the program was loaded for.
    /// </summary>
    public static ILink AttachCgroup(Program program, CgroupOptions options)
    {
        RequireType(program, "a cgroup hook", ProgramType.CgroupSockAddr, ProgramType.CgroupSock, ProgramType.CgroupSkb);
        int fd = Fcntl.open(options.CgroupPath, Fcntl.O_RDONLY | Fcntl.O_DIRECTORY | Fcntl.O_CLOEXEC, 0);
        if (fd < 0)
            throw LinuxException.FromLastError($"open cgroup {options.CgroupPath}");
        using var cgroup = new SafeFd(fd);
        return FdLink.Create(program, (uint)cgroup.Fd, options.AttachType, 0, 0, 0,
            $"attach {options.AttachType} program {program.Name} to cgroup {options.CgroupPath}");
    }

    /// <summary>Attaches a cgroup program at the hook it was loaded for (from its section name).</summary>
    public static ILink AttachCgroup(Program program, string cgroupPath) =>
        AttachCgroup(program, new CgroupOptions(cgroupPath, program.ExpectedAttachType
            ?? throw new ArgumentException($"program {program.Name} has no expected attach type; pass CgroupOptions")));
}
