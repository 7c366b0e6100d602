using System.Runtime.InteropServices;
using System.Text;

namespace Tendril.Store.Embedded;

/// <summary>
/// fsync of a directory, which makes a created or renamed file's name durable. .NET cannot open a directory as a file, so this
/// is the store's only native call; it uses runtime marshalling of blittable arguments to stay free of <c>unsafe</c> code.
/// </summary>
internal static class DirectorySync
{
    private const int O_RDONLY = 0, O_DIRECTORY = 0x10000, O_CLOEXEC = 0x80000;

    public static void Flush(string directory)
    {
        int fd = open(Encoding.UTF8.GetBytes(directory + "\0"), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
            throw new IOException($"open directory {directory} to flush it: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        try
        {
            if (fsync(fd) != 0)
                throw new IOException($"fsync directory {directory}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }
        finally
        {
            _ = close(fd);
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int open(byte[] path, int flags);

    [DllImport("libc", SetLastError = true)]
    private static extern int fsync(int fd);

    [DllImport("libc", SetLastError = true)]
    private static extern int close(int fd);
}
