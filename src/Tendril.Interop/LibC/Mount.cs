using System.Runtime.InteropServices;

namespace Tendril.Interop.LibC;

/// <summary>&lt;sys/mount.h&gt;.</summary>
internal static partial class Mount
{
    internal const ulong MS_BIND = 4096, MS_REC = 16384, MS_SHARED = 1 << 20;
    internal const int MNT_DETACH = 2;

    [LibraryImport("libc", EntryPoint = "mount", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int mount(string? source, string target, string? fstype, ulong flags, nint data);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int umount2(string target, int flags);
}
