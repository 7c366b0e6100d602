using System.Runtime.InteropServices;

namespace Tendril.Netlink.Interop;

/// <summary>The few &lt;unistd.h&gt; / &lt;sys/stat.h&gt; calls Tendril.Interop does not bind, for errno-exact namespace files.</summary>
internal static partial class FileCalls
{
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int mkdir(string path, uint mode);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int unlink(string path);
}
