using System.Runtime.InteropServices;

namespace Tendril.Interop.LibC;

/// <summary>
/// Raw system calls with no glibc wrapper. <c>syscall(2)</c> is variadic; on x86-64 and arm64 the
/// integer arguments travel in the same registers either way, so a fixed-arity import is correct there.
/// </summary>
internal static unsafe partial class Syscall
{
    internal const long SYS_bpf = 321, SYS_perf_event_open = 298;

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    internal static partial long syscall3(long number, long a1, void* a2, long a3);

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    internal static partial long syscall5(long number, void* a1, long a2, long a3, long a4, long a5);
}
