using System.Runtime.InteropServices;

namespace Tendril.Interop.LibC;

/// <summary>&lt;sched.h&gt; namespace calls. They act on the calling thread only.</summary>
internal static partial class Sched
{
    internal const int CLONE_NEWNET = 0x40000000;
    internal const int CLONE_NEWNS = 0x00020000;

    [LibraryImport("libc", SetLastError = true)]
    internal static partial int setns(int fd, int nstype);

    [LibraryImport("libc", SetLastError = true)]
    internal static partial int unshare(int flags);
}
