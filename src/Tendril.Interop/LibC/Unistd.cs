using System.Runtime.InteropServices;

namespace Tendril.Interop.LibC;

/// <summary>&lt;unistd.h&gt; and &lt;fcntl.h&gt; open/close.</summary>
internal static partial class Unistd
{
    [LibraryImport("libc", SetLastError = true)]
    internal static partial int close(int fd);

    [LibraryImport("libc", SetLastError = true)]
    internal static partial uint geteuid();

    [LibraryImport("libc", SetLastError = true)]
    internal static partial int getpid();

    [LibraryImport("libc", SetLastError = true)]
    internal static partial int gettid();

    [LibraryImport("libc", SetLastError = true)]
    internal static unsafe partial nint read(int fd, void* buf, nuint count);

    [LibraryImport("libc", SetLastError = true)]
    internal static unsafe partial nint write(int fd, void* buf, nuint count);

    [LibraryImport("libc", SetLastError = true)]
    internal static partial long sysconf(int name);

    internal const int _SC_PAGESIZE = 30;
}

/// <summary>&lt;fcntl.h&gt;.</summary>
internal static partial class Fcntl
{
    internal const int O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_CREAT = 0x40, O_EXCL = 0x80,
        O_DIRECTORY = 0x10000, O_CLOEXEC = 0x80000;

    internal const int F_DUPFD_CLOEXEC = 1030;

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int open(string path, int flags, uint mode);

    [LibraryImport("libc", SetLastError = true)]
    internal static partial int fcntl(int fd, int cmd, int arg);
}
