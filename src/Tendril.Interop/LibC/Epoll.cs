using System.Runtime.InteropServices;

namespace Tendril.Interop.LibC;

/// <summary>&lt;sys/epoll.h&gt; and &lt;sys/eventfd.h&gt;.</summary>
internal static unsafe partial class Epoll
{
    internal const int EPOLL_CLOEXEC = 0x80000;
    internal const int EPOLL_CTL_ADD = 1, EPOLL_CTL_DEL = 2;
    internal const uint EPOLLIN = 0x001;
    internal const int EFD_CLOEXEC = 0x80000, EFD_NONBLOCK = 0x800;

    /// <summary>Packed on x86-64 (12 bytes), as the kernel declares it.</summary>
    [StructLayout(LayoutKind.Sequential, Pack = 4)]
    internal struct epoll_event
    {
        public uint events;
        public ulong data;
    }

    [LibraryImport("libc", SetLastError = true)]
    internal static partial int epoll_create1(int flags);

    [LibraryImport("libc", SetLastError = true)]
    internal static partial int epoll_ctl(int epfd, int op, int fd, epoll_event* ev);

    [LibraryImport("libc", SetLastError = true)]
    internal static partial int epoll_wait(int epfd, epoll_event* events, int maxevents, int timeout);

    [LibraryImport("libc", SetLastError = true)]
    internal static partial int eventfd(uint initval, int flags);
}
