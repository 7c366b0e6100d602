using System.Runtime.InteropServices;

namespace Tendril.Interop.LibC;

/// <summary>&lt;sys/mman.h&gt;.</summary>
internal static unsafe partial class Mman
{
    internal const int PROT_READ = 1, PROT_WRITE = 2;
    internal const int MAP_SHARED = 1;
    internal static readonly void* MAP_FAILED = (void*)-1;

    [LibraryImport("libc", SetLastError = true)]
    internal static partial void* mmap(void* addr, nuint length, int prot, int flags, int fd, long offset);

    [LibraryImport("libc", SetLastError = true)]
    internal static partial int munmap(void* addr, nuint length);
}
