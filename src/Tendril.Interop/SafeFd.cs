using System.Runtime.InteropServices;
using Tendril.Interop.LibC;

namespace Tendril.Interop;

/// <summary>
/// An owned Linux file descriptor, closed exactly once when disposed or finalized.
/// Every fd Tendril creates (BPF maps, programs, links, sockets, epoll, namespaces) lives in one of these.
/// </summary>
public sealed class SafeFd : SafeHandle
{
    public SafeFd() : base(new IntPtr(-1), ownsHandle: true)
    {
    }

    public SafeFd(int fd, bool ownsHandle = true) : base(new IntPtr(-1), ownsHandle)
    {
        SetHandle(new IntPtr(fd));
    }

    public override bool IsInvalid => handle.ToInt64() < 0;

    /// <summary>The raw descriptor. Valid only while this handle is alive; do not close it yourself.</summary>
    public int Fd => (int)handle.ToInt64();

    /// <summary>Duplicates <paramref name="fd"/> (O_CLOEXEC) into a new owned handle.</summary>
    public static SafeFd Duplicate(int fd, string what)
    {
        int dup = Fcntl.fcntl(fd, Fcntl.F_DUPFD_CLOEXEC, 3);
        if (dup < 0)
            throw LinuxException.FromLastError($"dup {what}");
        return new SafeFd(dup);
    }

    protected override bool ReleaseHandle() => Unistd.close((int)handle.ToInt64()) == 0;
}
